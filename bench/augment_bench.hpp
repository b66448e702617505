// The augmentation side of minidl_bench (--augment): every augmentation layer's training-mode
// throughput at batch 64 on 32x32x3 and 224x224x3 images, and the cost of a RandAugment(2) +
// RandomErasing stack against a reference-CNN training step at 32x32.
#pragma once

#include <string>
#include <utility>
#include <vector>

// (name, value) pairs for the JSON output; names containing `only` run (all when empty).
std::vector<std::pair<std::string, double>> run_augment_benches(int reps, const std::string& only);
