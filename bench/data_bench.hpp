// The data side of minidl_bench: loaders, the input pipeline, and prefetch during training.
#pragma once

#include <string>
#include <utility>
#include <vector>

// (name, value) pairs for the JSON output; names containing `only` run (all when empty).
std::vector<std::pair<std::string, double>> run_data_benches(int reps, const std::string& only);
