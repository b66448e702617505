#include <minidl/core/file_io.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <minidl/core/error.hpp>

namespace minidl {
namespace {

std::string system_reason() {
  return std::strerror(errno);
}

bool has_gzip_magic(std::FILE* file) {
  unsigned char magic[2] = {0, 0};
  const std::size_t got = std::fread(magic, 1, 2, file);
  std::rewind(file);
  return got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

std::vector<std::uint8_t> read_plain(std::FILE* file, const std::string& path,
                                     const std::string& what) {
  std::vector<std::uint8_t> bytes;
  if (std::fseek(file, 0, SEEK_END) == 0) {
    const long size = std::ftell(file);
    if (size > 0) bytes.reserve(static_cast<std::size_t>(size));
    std::rewind(file);
  }
  std::uint8_t chunk[1 << 16];
  std::size_t got;
  while ((got = std::fread(chunk, 1, sizeof chunk, file)) > 0)
    bytes.insert(bytes.end(), chunk, chunk + got);
  if (std::ferror(file)) throw Error(what + " '" + path + "': read failed: " + system_reason());
  return bytes;
}

std::vector<std::uint8_t> read_gzip(const std::string& path, const std::string& what) {
  gzFile gz = gzopen(path.c_str(), "rb");
  if (!gz) throw Error(what + " '" + path + "': cannot open: " + system_reason());
  std::unique_ptr<gzFile_s, int (*)(gzFile)> closer(gz, gzclose);
  gzbuffer(gz, 1 << 18);
  std::vector<std::uint8_t> bytes;
  std::size_t used = 0;
  for (;;) {
    if (bytes.size() - used < (1 << 20))
      bytes.resize(std::max<std::size_t>(2 * bytes.size(), 4 << 20));
    const int got = gzread(gz, bytes.data() + used, static_cast<unsigned>(bytes.size() - used));
    if (got < 0) {
      int code = 0;
      throw Error(what + " '" + path + "': corrupt gzip data after " + std::to_string(used) +
                  " decompressed bytes: " + gzerror(gz, &code));
    }
    if (got == 0) break;
    used += static_cast<std::size_t>(got);
  }
  // A gzip stream cut short reads as a clean end; zlib reports it only through gzerror.
  int code = Z_OK;
  const char* message = gzerror(gz, &code);
  if (code != Z_OK && code != Z_STREAM_END) {
    throw Error(what + " '" + path + "': gzip stream ends early after " + std::to_string(used) +
                " decompressed bytes: " + message);
  }
  bytes.resize(used);
  return bytes;
}

std::string directory_of(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// Temporary files are "<target>.tmp-<host>-<pid>-XXXXXX": a later save can tell those of a
// writer that died mid-save (SIGKILL, a crash) on this host and remove them.
std::string temporary_prefix(const std::string& path) {
  char host[256] = "localhost";
  ::gethostname(host, sizeof host - 1);
  return path + ".tmp-" + host + "-";
}

// Best effort, never throws: a temporary is removed only when its writer's process is gone.
// Writers on other hosts sharing the directory are left alone (their names carry their host).
void remove_stale_temporaries(const std::string& path) {
  const std::string prefix = temporary_prefix(path);
  const std::string dir = directory_of(path);
  const std::string name_prefix = prefix.substr(prefix.find_last_of('/') + 1);
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    if (name.compare(0, name_prefix.size(), name_prefix) != 0) continue;
    const char* digits = name.c_str() + name_prefix.size();
    char* end = nullptr;
    const long pid = std::strtol(digits, &end, 10);
    if (end == digits || *end != '-' || pid <= 0 || pid == ::getpid()) continue;
    // EPERM means the process exists (another user's); only ESRCH says it is gone.
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    std::filesystem::remove(entry.path(), error);
  }
}

// Opens a new file "<prefix><pid>-XXXXXX" (6 random letters or digits) for writing, its name in
// `temp`; -1 with errno on failure. Unlike mkstemp (0600) the file gets 0666 minus the umask, as
// any file the user writes, and the umask is never changed (that would race with other threads).
int create_temporary(const std::string& path, std::string& temp) {
  static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::random_device entropy;
  std::uniform_int_distribution<int> pick(0, int(sizeof letters) - 2);
  const std::string prefix = temporary_prefix(path) + std::to_string(::getpid()) + "-";
  for (int attempt = 0; attempt < 100; ++attempt) {
    temp = prefix;
    for (int i = 0; i < 6; ++i) temp += letters[pick(entropy)];
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0 || errno != EEXIST) return fd;
  }
  return -1;
}

}  // namespace

std::vector<std::uint8_t> read_file_bytes(const std::string& path, const std::string& what) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) throw Error(what + " '" + path + "': cannot open: " + system_reason());
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> closer(file, std::fclose);
  const bool gz_name = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
  if (gz_name || has_gzip_magic(file)) return read_gzip(path, what);
  return read_plain(file, path, what);
}

void write_file_atomically(const std::string& path, const void* data, std::size_t size) {
  std::string temp;
  const int fd = create_temporary(path, temp);
  if (fd < 0) throw Error("'" + path + "': cannot create a temporary file: " + system_reason());
  auto fail = [&](const std::string& step) {
    const std::string reason = system_reason();
    ::close(fd);
    ::unlink(temp.c_str());
    throw Error("'" + path + "': " + step + " failed: " + reason);
  };
  const char* p = static_cast<const char*>(data);
  for (std::size_t left = size; left > 0;) {
    const ssize_t wrote = ::write(fd, p, left);
    if (wrote < 0) {
      if (errno == EINTR) continue;
      fail("write");
    }
    p += wrote;
    left -= static_cast<std::size_t>(wrote);
  }
  if (::fsync(fd) != 0) fail("fsync");
  if (::close(fd) != 0) {
    const std::string reason = system_reason();
    ::unlink(temp.c_str());
    throw Error("'" + path + "': close failed: " + reason);
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string reason = system_reason();
    ::unlink(temp.c_str());
    throw Error("'" + path + "': rename of the temporary file failed: " + reason);
  }
  // The rename is durable only once the directory entry is on disk.
  const int dir = ::open(directory_of(path).c_str(), O_RDONLY | O_DIRECTORY);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  remove_stale_temporaries(path);
}

}  // namespace minidl
