// Progress display of fit/evaluate, Keras-style.
//   verbose 0: silent; 1: a live per-batch bar with ETA when stdout is a terminal, otherwise one
//   line per epoch; 2: one line per epoch.
// Logs are ordered by name, as Keras prints them: accuracy, loss, val_accuracy, val_loss.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include <minidl/core/shape.hpp>

namespace minidl {

using Logs = std::map<std::string, float>;

class Progress {
 public:
  explicit Progress(int verbose);

  void epoch_begin(int epoch, int epochs, Index steps);
  void batch_end(Index step, const Logs& logs);
  void epoch_end(const Logs& logs);

 private:
  using Clock = std::chrono::steady_clock;
  std::string bar_line(Index step, const Logs& logs, bool done) const;

  bool live_;
  bool enabled_;
  int epoch_ = 0;
  int epochs_ = 0;
  Index steps_ = 0;
  Clock::time_point start_;
  Clock::time_point last_draw_;
};

// " - accuracy: 0.9123 - loss: 0.2345"
std::string format_logs(const Logs& logs);

}  // namespace minidl
