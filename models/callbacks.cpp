#include <minidl/models/callbacks.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include <minidl/core/error.hpp>
#include <minidl/models/model.hpp>

namespace minidl {

Model& Callback::model() {
  if (!model_) throw Error("Callback: model() used before fit called set_model");
  return *model_;
}

Monitor::Monitor(std::string key, const std::string& mode, float min_delta,
                 const std::string& owner)
    : key_(std::move(key)), owner_(owner), min_delta_(std::fabs(min_delta)) {
  if (mode == "auto") {
    maximize_ = key_.find("acc") != std::string::npos;
  } else if (mode == "min" || mode == "max") {
    maximize_ = mode == "max";
  } else {
    throw Error(owner_ + ": mode must be auto, min or max, got '" + mode + "'");
  }
}

float Monitor::value(const Logs& logs) const {
  auto it = logs.find(key_);
  if (it == logs.end()) {
    std::string keys;
    for (const auto& [k, v] : logs) keys += (keys.empty() ? "" : ", ") + k;
    throw Error(owner_ + ": monitored '" + key_ + "' is not in the epoch's logs (" + keys +
                "); validation metrics need validation data");
  }
  return it->second;
}

bool Monitor::improves(float value, float best) const {
  return maximize_ ? value - min_delta_ > best : value + min_delta_ < best;
}

float Monitor::worst() const {
  return maximize_ ? -std::numeric_limits<float>::infinity()
                   : std::numeric_limits<float>::infinity();
}

ModelCheckpoint::ModelCheckpoint(std::string path, const std::string& monitor, bool save_best_only,
                                 const std::string& mode, bool include_optimizer)
    : path_(std::move(path)),
      monitor_(monitor, mode, 0.0f, "ModelCheckpoint"),
      save_best_only_(save_best_only),
      include_optimizer_(include_optimizer) {
  if (path_.empty()) throw Error("ModelCheckpoint: the path is empty");
}

void ModelCheckpoint::on_epoch_end(int epoch, const Logs& logs) {
  if (model().rank() != 0) return;  // data-parallel ranks hold the same weights: rank 0 writes
  if (save_best_only_) {
    const float value = monitor_.value(logs);
    if (best_ && !monitor_.improves(value, *best_)) return;
    best_ = value;
  }
  std::string path;
  try {
    path = fmt::format(fmt::runtime(path_), fmt::arg("epoch", epoch + 1));
  } catch (const fmt::format_error& e) {
    throw Error("ModelCheckpoint: cannot format path '" + path_ + "': " + e.what());
  }
  model().save_weights(path, include_optimizer_);
  last_saved_ = path;
}

EarlyStopping::EarlyStopping(const std::string& monitor, int patience, float min_delta,
                             const std::string& mode, bool restore_best_weights)
    : monitor_(monitor, mode, min_delta, "EarlyStopping"),
      patience_(patience),
      restore_best_weights_(restore_best_weights) {
  if (patience < 0) {
    throw Error("EarlyStopping: patience must be >= 0, got " + std::to_string(patience));
  }
}

void EarlyStopping::on_train_begin(const Logs&) {
  best_ = monitor_.worst();
  wait_ = 0;
  best_epoch_ = stopped_epoch_ = -1;
  best_weights_.clear();
}

void EarlyStopping::on_epoch_end(int epoch, const Logs& logs) {
  const float value = monitor_.value(logs);
  ++wait_;
  if (monitor_.improves(value, best_)) {
    best_ = value;
    best_epoch_ = epoch;
    wait_ = 0;
    if (restore_best_weights_) best_weights_ = model().get_weights();
    return;
  }
  if (wait_ > patience_) {
    stopped_epoch_ = epoch;
    model().stop_training();
    if (restore_best_weights_ && !best_weights_.empty()) model().set_weights(best_weights_);
  }
}

CSVLogger::CSVLogger(std::string path, bool append) : path_(std::move(path)), append_(append) {}

CSVLogger::~CSVLogger() {
  if (file_) std::fclose(file_);
}

void CSVLogger::on_train_begin(const Logs&) {
  if (model().rank() != 0) return;  // data-parallel ranks log the same numbers: rank 0 writes
  if (file_) std::fclose(file_);
  keys_.clear();
  // Appending to a file that has a header continues its table with the same columns.
  if (append_) {
    if (std::FILE* existing = std::fopen(path_.c_str(), "r")) {
      std::string header;
      for (int c; (c = std::fgetc(existing)) != EOF && c != '\n';) header += char(c);
      std::fclose(existing);
      for (std::size_t start = header.find(',') + 1; start != 0 && start <= header.size();) {
        const std::size_t end = std::min(header.find(',', start), header.size());
        keys_.push_back(header.substr(start, end - start));
        start = end + 1;
      }
    }
  }
  file_ = std::fopen(path_.c_str(), append_ ? "a" : "w");
  if (!file_) throw Error("CSVLogger '" + path_ + "': cannot open: " + std::strerror(errno));
}

void CSVLogger::on_epoch_end(int epoch, const Logs& logs) {
  if (model().rank() != 0) return;
  if (!file_) throw Error("CSVLogger '" + path_ + "': on_epoch_end before on_train_begin");
  if (keys_.empty()) {
    std::string header = "epoch";
    for (const auto& [key, value] : logs) {
      keys_.push_back(key);
      header += "," + key;
    }
    std::fprintf(file_, "%s\n", header.c_str());
  }
  std::string row = std::to_string(epoch);
  for (const std::string& key : keys_) {
    auto it = logs.find(key);
    row += it == logs.end() ? "," : fmt::format(",{}", it->second);
  }
  std::fprintf(file_, "%s\n", row.c_str());
  if (std::fflush(file_) != 0) {
    throw Error("CSVLogger '" + path_ + "': write failed: " + std::strerror(errno));
  }
}

void CSVLogger::on_train_end(const Logs&) {
  if (file_) std::fclose(file_);
  file_ = nullptr;
}

LearningRateScheduler::LearningRateScheduler(Schedule schedule) : schedule_(std::move(schedule)) {
  if (!schedule_) throw Error("LearningRateScheduler: the schedule is empty");
}

void LearningRateScheduler::on_epoch_begin(int epoch) {
  Optimizer& optimizer = model().optimizer();
  const float lr = schedule_(epoch, optimizer.learning_rate());
  if (!(lr >= 0.0f) || !std::isfinite(lr)) {
    throw Error("LearningRateScheduler: the schedule gave learning rate " + std::to_string(lr) +
                " for epoch " + std::to_string(epoch));
  }
  optimizer.set_learning_rate(lr);
}

ReduceLROnPlateau::ReduceLROnPlateau(const std::string& monitor, float factor, int patience,
                                     const std::string& mode, float min_delta, int cooldown,
                                     float min_lr)
    : monitor_(monitor, mode, min_delta, "ReduceLROnPlateau"),
      factor_(factor),
      min_lr_(min_lr),
      patience_(patience),
      cooldown_(cooldown) {
  if (!(factor > 0.0f && factor < 1.0f) || patience < 0 || cooldown < 0 || min_lr < 0.0f) {
    throw Error(
        "ReduceLROnPlateau: expected factor in (0,1), patience, cooldown and min_lr >= 0, "
        "got factor " +
        std::to_string(factor) + ", patience " + std::to_string(patience) + ", cooldown " +
        std::to_string(cooldown) + ", min_lr " + std::to_string(min_lr));
  }
}

void ReduceLROnPlateau::on_train_begin(const Logs&) {
  best_ = monitor_.worst();
  wait_ = cooldown_left_ = 0;
}

void ReduceLROnPlateau::on_epoch_end(int /*epoch*/, const Logs& logs) {
  const float value = monitor_.value(logs);
  if (cooldown_left_ > 0) {
    --cooldown_left_;
    wait_ = 0;
  }
  if (monitor_.improves(value, best_)) {
    best_ = value;
    wait_ = 0;
    return;
  }
  if (cooldown_left_ > 0 || ++wait_ < patience_) return;
  Optimizer& optimizer = model().optimizer();
  const float lr = optimizer.learning_rate();
  if (lr > min_lr_) {
    optimizer.set_learning_rate(std::max(lr * factor_, min_lr_));
    cooldown_left_ = cooldown_;
    wait_ = 0;
  }
}

void TerminateOnNaN::on_batch_end(Index step, const Logs& logs) {
  const auto loss = logs.find("loss");
  if (loss == logs.end() || std::isfinite(loss->second)) return;
  stopped_epoch_ = epoch_;
  stopped_step_ = step;
  model().stop_training();
}

}  // namespace minidl
