// Zip archives in memory, through libzip: the members of a .keras file.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace minidl::detail {

// Every member of the zip at `path` (name -> bytes). An Error names the file: not a zip, a member
// that fails its CRC, a member too large for the archive's size.
std::map<std::string, std::string> read_zip(const std::string& path);

// The bytes of a zip holding `members` in order, stored uncompressed (as Keras writes them).
std::string make_zip(const std::vector<std::pair<std::string, std::string>>& members);

}  // namespace minidl::detail
