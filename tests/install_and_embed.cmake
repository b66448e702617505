# ctest script: installs minidl into a fresh prefix, then configures, builds and runs
# examples/embed against it with find_package(minidl), as a user's project would.
#   cmake -DSOURCE_DIR=... -DBUILD_DIR=... -DWORK_DIR=... [-DSHARED=ON] [-DWITH_MPI=ON]
#         -P install_and_embed.cmake
# With SHARED=ON it first builds minidl as a shared library in WORK_DIR/minidl-build. WITH_MPI=ON
# (a build with MINIDL_MPI) also builds examples/embed_mpi and runs it on 2 processes.
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    string(REPLACE ";" " " command "${ARGV}")
    message(FATAL_ERROR "failed (${result}): ${command}")
  endif()
endfunction()

if(SHARED)
  set(BUILD_DIR ${WORK_DIR}/minidl-build)
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${BUILD_DIR} -DCMAKE_BUILD_TYPE=Release
      -DBUILD_SHARED_LIBS=ON)
  set(targets minidl)
  if(WITH_MPI)
    list(APPEND targets minidl_mpi)
  endif()
  run(${CMAKE_COMMAND} --build ${BUILD_DIR} --target ${targets} -j 2)
endif()
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix)
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/embed -B ${WORK_DIR}/embed-build
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/embed-build)
run(${WORK_DIR}/embed-build/embed ${WORK_DIR})
# A build with MPI installs minidl::mpi: a data-parallel program finds it and runs on 2 processes.
if(WITH_MPI)
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/embed_mpi -B ${WORK_DIR}/embed-mpi-build
      -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
  run(${CMAKE_COMMAND} --build ${WORK_DIR}/embed-mpi-build)
  run(mpiexec -n 2 ${WORK_DIR}/embed-mpi-build/embed_mpi)
endif()
if(SHARED)
  file(GLOB libraries ${WORK_DIR}/prefix/lib*/libminidl.so*)
  if(NOT libraries)
    message(FATAL_ERROR "no libminidl.so installed under ${WORK_DIR}/prefix")
  endif()
endif()
