// CIFAR-10 and CIFAR-100 in their binary form (https://www.cs.toronto.edu/~kriz/cifar.html).
//   CIFAR-10 record:  1 label byte, then 3072 pixel bytes: the 32x32 red plane, green, blue.
//   CIFAR-100 record: 1 coarse label byte, 1 fine label byte, then the same 3072 bytes.
// Images come out as (N,32,32,3) uint8, converted from the files' planar layout to NHWC.
#pragma once

#include <string>

#include <minidl/data/image_array.hpp>

namespace minidl {

enum class Cifar100Labels { fine, coarse };

// One CIFAR-10 batch file, e.g. data_batch_1.bin: 10,000 records.
LabeledImages read_cifar10_file(const std::string& path);
// One CIFAR-100 file, train.bin or test.bin.
LabeledImages read_cifar100_file(const std::string& path, Cifar100Labels labels);

// dir holds data_batch_1.bin .. data_batch_5.bin and test_batch.bin (cifar-10-batches-bin/);
// class names come from batches.meta.txt when present.
TrainTest load_cifar10(const std::string& dir);
// dir holds train.bin and test.bin (cifar-100-binary/); class names come from
// fine_label_names.txt or coarse_label_names.txt when present.
TrainTest load_cifar100(const std::string& dir, Cifar100Labels labels = Cifar100Labels::fine);

}  // namespace minidl
