# The Debian packages minidl builds on: Eigen 3.4, OpenBLAS (cblas), fmt, OpenMP, zlib, stb,
# nlohmann-json (layer configurations, public), libzip and HDF5 (Keras .keras archives).
# Included by the build, and by the installed minidlConfig.cmake, where find_dependency reports a
# missing package as minidl not found instead of failing the user's configure.
macro(minidl_require_package)
  if(DEFINED CMAKE_FIND_PACKAGE_NAME)
    find_dependency(${ARGV})
  else()
    find_package(${ARGV} REQUIRED)
  endif()
endmacro()

minidl_require_package(Eigen3 3.4 NO_MODULE)
minidl_require_package(fmt)
minidl_require_package(OpenMP)
minidl_require_package(ZLIB)
minidl_require_package(nlohmann_json 3)
minidl_require_package(PkgConfig)

# OpenBLAS, preferably Debian's OpenMP build (libopenblas-openmp-dev), so that OpenBLAS and the
# library's OpenMP loops share one thread pool; its pkg-config file names the active variant.
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

# libzip and HDF5's C library (libhdf5-dev, the serial build): a .keras archive is a zip holding an
# HDF5 weights file. libzip through pkg-config: Debian's libzip CMake package also demands its
# command-line tools (libzip-tools).
pkg_check_modules(LIBZIP REQUIRED IMPORTED_TARGET libzip)
pkg_check_modules(HDF5 REQUIRED IMPORTED_TARGET hdf5-serial)
if(NOT TARGET minidl_keras_archive)
  add_library(minidl_keras_archive INTERFACE IMPORTED)
  target_link_libraries(minidl_keras_archive INTERFACE PkgConfig::LIBZIP PkgConfig::HDF5)
endif()
