// A process saving checkpoints in a loop is killed with SIGKILL at random moments: the file must
// always load, and hold one of the versions saved (all weights equal, never going back).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include <catch2/catch.hpp>

#include "checkpoint_model.hpp"
#include "temp_dir.hpp"

using namespace minidl;
using namespace minidl::testing;

TEST_CASE("a checkpoint killed mid-save is always the old or the new version") {
  TempDir dir;
  const std::string path = dir.file("ckpt.weights");
  Sequential model = checkpoint_model();
  fill_weights(model, 0.0f);
  model.save_weights(path);
  Generator rng(2024);
  long version = 0;
  int changed = 0;
  for (int round = 0; round < 25; ++round) {
    const std::string start = std::to_string(version + 1);
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      execl(MINIDL_CHECKPOINT_WRITER, MINIDL_CHECKPOINT_WRITER, path.c_str(), start.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5 + rng.below(80)));
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    REQUIRE(WIFSIGNALED(status));
    fill_weights(model, -1.0f);
    model.load_weights(path);  // throws if the file is torn
    const std::vector<Parameter*> params = model.parameters();
    const float value = params.front()->value[0];
    bool uniform = true;
    for (Parameter* p : params) {
      uniform = uniform && std::all_of(p->value.data(), p->value.data() + p->value.size(),
                                       [value](float v) { return v == value; });
    }
    REQUIRE(uniform);
    REQUIRE(value == float(long(value)));
    REQUIRE(long(value) >= version);
    changed += long(value) > version;
    version = long(value);
  }
  // The writer got saves done between kills, and kills landed inside saves: each leaves its
  // temporary file behind, never a torn checkpoint.
  const auto files = std::distance(std::filesystem::directory_iterator(dir.path()),
                                   std::filesystem::directory_iterator());
  INFO("versions reached " << version << ", files left " << files);
  CHECK(changed > 0);
  CHECK(files > 1);
}
