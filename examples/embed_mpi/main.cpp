// Data-parallel training in a user's program: every process started by mpirun builds the same
// model and data, distributes the model over MPI and calls fit; each trains on its shard of every
// batch, and rank 0 prints. Exits 0 when the model learned the spirals (test accuracy >= 0.7,
// chance is 0.5) and every rank holds the same weights.
//   mpirun -np 2 embed_mpi
#include <cstdio>
#include <cstring>
#include <memory>

#include <minidl/core/mpi/mpi_communicator.hpp>
#include <minidl/minidl.hpp>

int main() {
  auto world = std::make_shared<minidl::MpiCommunicator>();
  try {
    const minidl::LabelledData train = minidl::make_spirals(300, 0.05f, 1);
    const minidl::LabelledData test = minidl::make_spirals(100, 0.05f, 2);
    minidl::Sequential model(1);
    model.add(minidl::Dense(32, "relu"));
    model.add(minidl::Dense(2));
    model.build(minidl::Shape{2});
    model.compile(minidl::Adam(0.01f), minidl::SparseCategoricalCrossentropy(true), {"accuracy"});
    model.distribute(world);
    minidl::FitOptions options;
    options.epochs = 40;
    options.verbose = 0;
    options.batch_size = 32;  // the global batch: 32 / (number of processes) samples per process
    model.fit(train.x, train.y, options);
    const float accuracy = model.evaluate(test.x, test.y).at("accuracy");

    // Every rank's first kernel value against rank 0's.
    double first = model.parameters()[0]->value[0], rank0 = first;
    world->broadcast(&rank0, sizeof rank0, 0);
    const bool same = std::memcmp(&first, &rank0, sizeof first) == 0;
    const bool all_same = !world->any(!same);
    if (world->rank() == 0) {
      std::printf("%d processes: test accuracy %.3f, weights equal on every rank: %s\n",
                  world->size(), accuracy, all_same ? "yes" : "no");
    }
    return all_same && accuracy >= 0.7f ? 0 : 1;
  } catch (const minidl::Error& e) {
    world->abort(e.what());
  }
}
