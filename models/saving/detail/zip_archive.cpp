#include <minidl/models/saving/detail/zip_archive.hpp>

#include <filesystem>
#include <memory>

#include <zip.h>

#include <minidl/core/error.hpp>

namespace minidl::detail {
namespace {

std::string zip_message(int code) {
  zip_error_t error;
  zip_error_init_with_code(&error, code);
  std::string message = zip_error_strerror(&error);
  zip_error_fini(&error);
  return message;
}

// A member may expand at most this much over the whole archive: a hostile size field must not
// make the reader allocate gigabytes.
constexpr std::uint64_t kMaxExpansion = 1024;

}  // namespace

std::map<std::string, std::string> read_zip(const std::string& path) {
  const std::string owner = "Keras archive '" + path + "'";
  std::error_code ec;
  const std::uintmax_t file_size = std::filesystem::file_size(path, ec);
  if (ec) throw Error(owner + ": cannot read it: " + ec.message());
  int code = 0;
  std::unique_ptr<zip_t, decltype(&zip_discard)> archive(zip_open(path.c_str(), ZIP_RDONLY, &code),
                                                         &zip_discard);
  if (!archive) {
    throw Error(owner + (code == ZIP_ER_NOZIP ? ": not a zip archive (a .keras file is one)"
                                              : ": cannot open it as a zip: " + zip_message(code)));
  }
  std::map<std::string, std::string> members;
  const zip_int64_t count = zip_get_num_entries(archive.get(), 0);
  for (zip_int64_t i = 0; i < count; ++i) {
    zip_stat_t stat;
    if (zip_stat_index(archive.get(), zip_uint64_t(i), 0, &stat) != 0 ||
        !(stat.valid & ZIP_STAT_NAME) || !(stat.valid & ZIP_STAT_SIZE)) {
      throw Error(owner + ": member " + std::to_string(i) + " is unreadable");
    }
    const std::string name = stat.name;
    if (stat.size > (file_size + 1) * kMaxExpansion) {
      throw Error(owner + ": member '" + name + "' claims " + std::to_string(stat.size) +
                  " bytes, more than the archive could hold");
    }
    std::unique_ptr<zip_file_t, decltype(&zip_fclose)> file(
        zip_fopen_index(archive.get(), zip_uint64_t(i), 0), &zip_fclose);
    if (!file) {
      throw Error(owner + ": cannot open member '" + name +
                  "': " + zip_error_strerror(zip_get_error(archive.get())));
    }
    std::string bytes(stat.size, '\0');
    const zip_int64_t got = zip_fread(file.get(), bytes.data(), stat.size);
    // Reading to the end makes libzip check the member's CRC-32.
    char extra;
    if (got != zip_int64_t(stat.size) || zip_fread(file.get(), &extra, 1) != 0) {
      throw Error(owner + ": member '" + name + "' is truncated or corrupt (" +
                  zip_error_strerror(zip_file_get_error(file.get())) + ")");
    }
    members[name] = std::move(bytes);
  }
  return members;
}

std::string make_zip(const std::vector<std::pair<std::string, std::string>>& members) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
  if (!buffer) throw Error(std::string("zip: ") + zip_error_strerror(&error));
  zip_t* archive = zip_open_from_source(buffer, ZIP_TRUNCATE, &error);
  if (!archive) {
    zip_source_free(buffer);
    throw Error(std::string("zip: ") + zip_error_strerror(&error));
  }
  zip_source_keep(buffer);  // read back after zip_close
  auto fail = [&](const std::string& what) {
    const std::string message = "zip: " + what + ": " + zip_error_strerror(zip_get_error(archive));
    zip_discard(archive);
    zip_source_free(buffer);
    throw Error(message);
  };
  for (const auto& [name, bytes] : members) {
    zip_source_t* data = zip_source_buffer(archive, bytes.data(), bytes.size(), 0);
    if (!data) fail("cannot add " + name);
    const zip_int64_t index = zip_file_add(archive, name.c_str(), data, ZIP_FL_ENC_UTF_8);
    if (index < 0) {
      zip_source_free(data);
      fail("cannot add " + name);
    }
    if (zip_set_file_compression(archive, zip_uint64_t(index), ZIP_CM_STORE, 0) != 0) {
      fail("cannot store " + name);
    }
  }
  if (zip_close(archive) != 0) fail("cannot write the archive");
  std::string out;
  zip_stat_t stat;
  if (zip_source_open(buffer) == 0) {
    if (zip_source_stat(buffer, &stat) == 0 && (stat.valid & ZIP_STAT_SIZE)) {
      out.resize(stat.size);
      if (zip_source_read(buffer, out.data(), stat.size) != zip_int64_t(stat.size)) out.clear();
    }
    zip_source_close(buffer);
  }
  zip_source_free(buffer);
  if (out.empty()) throw Error("zip: cannot read back the archive written in memory");
  return out;
}

}  // namespace minidl::detail
