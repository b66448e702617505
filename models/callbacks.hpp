// Callbacks: code fit runs at the start and end of training, of every epoch and after every
// batch, as Keras' callbacks. Give them to fit in FitOptions::callbacks; fit calls set_model
// first. Epochs are numbered from 0, as in Keras' callback arguments.
//
//   auto stop = std::make_shared<EarlyStopping>("val_loss", /*patience=*/3);
//   options.callbacks = {stop, std::make_shared<ModelCheckpoint>("ckpt.weights")};
#pragma once

#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <minidl/core/tensor.hpp>
#include <minidl/models/progress.hpp>

namespace minidl {

class Model;

class Callback {
 public:
  virtual ~Callback() = default;
  virtual void on_train_begin(const Logs& /*logs*/) {}
  virtual void on_train_end(const Logs& /*logs*/) {}
  virtual void on_epoch_begin(int /*epoch*/) {}
  // logs: "loss", metrics, and "val_..." when fit has validation data.
  virtual void on_epoch_end(int /*epoch*/, const Logs& /*logs*/) {}
  // step counts from 1 within the epoch; logs are the running means of the epoch so far.
  virtual void on_batch_end(Index /*step*/, const Logs& /*logs*/) {}

  void set_model(Model& model) { model_ = &model; }
  Model& model();

 private:
  Model* model_ = nullptr;
};

// Whether a monitored value improves by going down ("min": losses) or up ("max"); "auto" is
// "max" for names containing "acc", "min" otherwise.
class Monitor {
 public:
  Monitor(std::string key, const std::string& mode, float min_delta, const std::string& owner);
  const std::string& key() const { return key_; }
  // The monitored value in `logs`; an Error lists the keys there when it is absent.
  float value(const Logs& logs) const;
  bool improves(float value, float best) const;
  // The worst possible value, to compare the first epoch against.
  float worst() const;

 private:
  std::string key_, owner_;
  bool maximize_;
  float min_delta_;
};

// Saves the weights (with the optimizer by default, so that training can resume) after every
// epoch, or only when the monitored value improved. `path` may contain "{epoch}" (from 1, as
// Keras), e.g. "out/ckpt-{epoch:03d}.weights". Each write is atomic. In data-parallel
// training rank 0 alone writes (Model::distribute).
class ModelCheckpoint : public Callback {
 public:
  explicit ModelCheckpoint(std::string path, const std::string& monitor = "val_loss",
                           bool save_best_only = false, const std::string& mode = "auto",
                           bool include_optimizer = true);
  void on_epoch_end(int epoch, const Logs& logs) override;
  // The path written last, empty before the first save.
  const std::string& last_saved() const { return last_saved_; }

 private:
  std::string path_, last_saved_;
  Monitor monitor_;
  bool save_best_only_, include_optimizer_;
  std::optional<float> best_;
};

// Stops fit when the monitored value has not improved by more than min_delta for `patience`
// epochs; with restore_best_weights, the model gets back the weights of its best epoch when it
// stops (as Keras).
class EarlyStopping : public Callback {
 public:
  explicit EarlyStopping(const std::string& monitor = "val_loss", int patience = 0,
                         float min_delta = 0.0f, const std::string& mode = "auto",
                         bool restore_best_weights = false);
  void on_train_begin(const Logs& logs) override;
  void on_epoch_end(int epoch, const Logs& logs) override;
  // The epoch fit stopped after, or -1 when it ran to the end.
  int stopped_epoch() const { return stopped_epoch_; }
  int best_epoch() const { return best_epoch_; }

 private:
  Monitor monitor_;
  int patience_;
  bool restore_best_weights_;
  float best_ = 0.0f;
  int wait_ = 0, best_epoch_ = -1, stopped_epoch_ = -1;
  std::vector<Tensor> best_weights_;
};

// Writes "epoch,<log keys in order>" and one row per epoch, flushed as it goes; append=true
// continues an existing file (for a resumed run) without a second header. Rank 0 alone writes
// in data-parallel training.
class CSVLogger : public Callback {
 public:
  explicit CSVLogger(std::string path, bool append = false);
  ~CSVLogger() override;
  CSVLogger(const CSVLogger&) = delete;
  CSVLogger& operator=(const CSVLogger&) = delete;
  void on_train_begin(const Logs& logs) override;
  void on_epoch_end(int epoch, const Logs& logs) override;
  void on_train_end(const Logs& logs) override;

 private:
  std::string path_;
  bool append_;
  std::FILE* file_ = nullptr;
  std::vector<std::string> keys_;
};

// Sets the optimizer's learning rate at the start of every epoch to schedule(epoch, current).
class LearningRateScheduler : public Callback {
 public:
  using Schedule = std::function<float(int epoch, float learning_rate)>;
  explicit LearningRateScheduler(Schedule schedule);
  void on_epoch_begin(int epoch) override;

 private:
  Schedule schedule_;
};

// Multiplies the learning rate by `factor` (down to min_lr) when the monitored value has not
// improved by more than min_delta for `patience` epochs, then waits `cooldown` epochs before
// counting again, as Keras' ReduceLROnPlateau.
class ReduceLROnPlateau : public Callback {
 public:
  explicit ReduceLROnPlateau(const std::string& monitor = "val_loss", float factor = 0.1f,
                             int patience = 10, const std::string& mode = "auto",
                             float min_delta = 1e-4f, int cooldown = 0, float min_lr = 0.0f);
  void on_train_begin(const Logs& logs) override;
  void on_epoch_end(int epoch, const Logs& logs) override;

 private:
  Monitor monitor_;
  float factor_, min_lr_;
  int patience_, cooldown_;
  float best_ = 0.0f;
  int wait_ = 0, cooldown_left_ = 0;
};

// Stops fit after the batch whose loss makes the epoch's running loss NaN or infinite.
class TerminateOnNaN : public Callback {
 public:
  void on_batch_end(Index step, const Logs& logs) override;
  // The epoch (from 0) and step (from 1) it stopped at; -1 when it did not.
  int stopped_epoch() const { return stopped_epoch_; }
  Index stopped_step() const { return stopped_step_; }
  void on_epoch_begin(int epoch) override { epoch_ = epoch; }

 private:
  int epoch_ = 0, stopped_epoch_ = -1;
  Index stopped_step_ = -1;
};

}  // namespace minidl
