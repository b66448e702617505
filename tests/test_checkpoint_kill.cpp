// A process saving checkpoints in a loop is killed with SIGKILL at random moments: the file must
// always load, and hold one of the versions saved (all weights equal, never going back); the
// temporary files of killed saves are removed by the next save.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "checkpoint_model.hpp"
#include "temp_dir.hpp"

using namespace minidl;
using namespace minidl::testing;

namespace {

std::set<std::string> files_other_than(const std::string& dir, const std::string& path) {
  std::set<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path() != path) files.insert(entry.path().string());
  }
  return files;
}

}  // namespace

TEST_CASE("a checkpoint killed mid-save is always the old or the new version") {
  TempDir dir;
  const std::string path = dir.file("ckpt.weights");
  Sequential model = checkpoint_model();
  fill_weights(model, 0.0f);
  // Kill times are drawn in units of one save's duration, measured here, so that kills land
  // between and inside saves whether the build is optimised or sanitised.
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) model.save_weights(path);
  const double save_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / 3;
  Generator rng(2024);
  long version = 0;
  int changed = 0, killed_inside_save = 0;
  std::set<std::string> temporaries;  // left by kills inside a save
  for (int round = 0; round < 25; ++round) {
    const std::string start = std::to_string(version + 1);
    int ready[2];
    REQUIRE(pipe(ready) == 0);
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      dup2(ready[1], STDOUT_FILENO);
      close(ready[0]);
      execl(MINIDL_CHECKPOINT_WRITER, MINIDL_CHECKPOINT_WRITER, path.c_str(), start.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    close(ready[1]);
    char byte = 0;
    REQUIRE(read(ready[0], &byte, 1) == 1);  // the writer's "ready"
    close(ready[0]);
    std::this_thread::sleep_for(
        std::chrono::duration<double, std::milli>(save_ms * rng.uniform(0.2f, 4.0f)));
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
    const std::set<std::string> now = files_other_than(dir.path(), path);
    killed_inside_save += std::any_of(
        now.begin(), now.end(), [&](const std::string& f) { return temporaries.count(f) == 0; });
    temporaries = now;
  }
  // The writers got saves done between kills, and kills landed inside saves, each leaving a
  // temporary file, never a torn checkpoint. The next save removes what dead writers left.
  model.save_weights(path);
  INFO("versions reached " << version << ", kills inside a save " << killed_inside_save
                           << ", one save " << save_ms << " ms");
  CHECK(changed > 0);
  CHECK(killed_inside_save > 0);
  CHECK(files_other_than(dir.path(), path).empty());
}
