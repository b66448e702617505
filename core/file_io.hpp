// Whole-file reads and crash-safe writes.
//   write_file_atomically writes to a temporary file in the target's directory, flushes and
//   fsyncs it, renames it over the target and fsyncs the directory: a crash at any moment leaves
//   either the old file or the new one, never a torn mix. A writer killed mid-save leaves its
//   temporary file ("<target>.tmp-<host>-<pid>-XXXXXX"); the next save of the same target on the
//   same host removes the temporaries whose process is gone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace minidl {

// The bytes of `path`; a name ending in ".gz" or a file starting with the gzip magic is
// decompressed. `what` names the file's role in errors, e.g. "IDX file".
std::vector<std::uint8_t> read_file_bytes(const std::string& path, const std::string& what);

void write_file_atomically(const std::string& path, const void* data, std::size_t size);

}  // namespace minidl
