# The Debian packages minidl builds on: Eigen 3.4, OpenBLAS (cblas), fmt, OpenMP, zlib, stb.
find_package(Eigen3 3.4 REQUIRED NO_MODULE)
find_package(fmt REQUIRED)
find_package(OpenMP REQUIRED)
find_package(ZLIB REQUIRED)

# OpenBLAS, preferably Debian's OpenMP build (libopenblas-openmp-dev), so that OpenBLAS and the
# library's OpenMP loops share one thread pool; its pkg-config file names the active variant.
find_package(PkgConfig REQUIRED)
pkg_check_modules(OPENBLAS REQUIRED IMPORTED_TARGET openblas)
if(NOT TARGET minidl_openblas)
  add_library(minidl_openblas INTERFACE IMPORTED)
  target_link_libraries(minidl_openblas INTERFACE PkgConfig::OPENBLAS)
endif()

# stb (libstb-dev): Debian ships the implementations compiled in libstb, found through stb.pc.
pkg_check_modules(STB REQUIRED IMPORTED_TARGET stb)
if(NOT TARGET minidl_stb)
  add_library(minidl_stb INTERFACE IMPORTED)
  target_link_libraries(minidl_stb INTERFACE PkgConfig::STB)
endif()
