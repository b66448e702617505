#include <minidl/models/progress.hpp>

#include <unistd.h>

#include <cstdio>

#include <fmt/core.h>

namespace minidl {
namespace {

constexpr int kBarWidth = 20;
constexpr auto kRedrawInterval = std::chrono::milliseconds(50);

std::string format_duration(double seconds) {
  if (seconds >= 3600) {
    return fmt::format("{}:{:02}:{:02}", int(seconds) / 3600, int(seconds) / 60 % 60,
                       int(seconds) % 60);
  }
  if (seconds >= 60) return fmt::format("{}:{:02}", int(seconds) / 60, int(seconds) % 60);
  return fmt::format("{}s", int(seconds));
}

std::string format_per_step(double seconds, Index steps) {
  const double per_step = steps ? seconds / steps : 0.0;
  if (per_step >= 1.0) return fmt::format("{:.0f}s/step", per_step);
  if (per_step >= 1e-3) return fmt::format("{:.0f}ms/step", per_step * 1e3);
  return fmt::format("{:.0f}us/step", per_step * 1e6);
}

}  // namespace

std::string format_logs(const Logs& logs) {
  std::string s;
  for (const auto& [name, value] : logs) s += fmt::format(" - {}: {:.4f}", name, value);
  return s;
}

Progress::Progress(int verbose)
    : live_(verbose == 1 && isatty(fileno(stdout))), enabled_(verbose > 0) {}

void Progress::epoch_begin(int epoch, int epochs, Index steps) {
  epoch_ = epoch;
  epochs_ = epochs;
  steps_ = steps;
  start_ = Clock::now();
  last_draw_ = start_ - kRedrawInterval;
  if (live_) fmt::print("Epoch {}/{}\n", epoch_ + 1, epochs_);
}

std::string Progress::bar_line(Index step, const Logs& logs, bool done) const {
  const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  const int filled = steps_ ? static_cast<int>(kBarWidth * step / steps_) : kBarWidth;
  std::string bar;
  for (int i = 0; i < kBarWidth; ++i) bar += i < filled ? "\u2501" : " ";
  const int digits = static_cast<int>(std::to_string(steps_).size());
  const std::string timing =
      done ? fmt::format("{} {}", format_duration(elapsed), format_per_step(elapsed, step))
           : fmt::format("{} ETA", format_duration(elapsed / step * (steps_ - step)));
  return fmt::format("{:>{}}/{} {} {}{}", step, digits, steps_, bar, timing, format_logs(logs));
}

void Progress::batch_end(Index step, const Logs& logs) {
  if (!live_) return;
  const auto now = Clock::now();
  if (step < steps_ && now - last_draw_ < kRedrawInterval) return;
  last_draw_ = now;
  // \r rewrites the line, \x1b[K clears what a longer previous line left behind.
  fmt::print("\r{}\x1b[K", bar_line(step, logs, false));
  std::fflush(stdout);
}

void Progress::epoch_end(const Logs& logs) {
  if (!enabled_) return;
  if (live_) {
    fmt::print("\r{}\x1b[K\n", bar_line(steps_, logs, true));
  } else {
    const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
    fmt::print("Epoch {}/{} - {} - {}{}\n", epoch_ + 1, epochs_, format_duration(elapsed),
               format_per_step(elapsed, steps_), format_logs(logs));
  }
  std::fflush(stdout);
}

}  // namespace minidl
