// Draws a History as a PNG with PLplot's cairo driver: loss and accuracy against the epoch, train
// and validation, with axes, ticks and a legend.
#pragma once

#include <string>

#include <minidl/models/sequential.hpp>

namespace examples {

// Throws minidl::Error when PLplot's pngcairo driver is missing (plplot-driver-cairo).
void plot_history(const minidl::History& history, const std::string& png_path,
                  const std::string& title);

}  // namespace examples
