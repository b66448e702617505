# ctest script: installs minidl into a fresh prefix, then configures, builds and runs
# examples/embed against it with find_package(minidl), as a user's project would.
#   cmake -DSOURCE_DIR=... -DBUILD_DIR=... -DWORK_DIR=... [-DSHARED=ON] -P install_and_embed.cmake
# With SHARED=ON it first builds minidl as a shared library in WORK_DIR/minidl-build.
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
  run(${CMAKE_COMMAND} --build ${BUILD_DIR} --target minidl -j 2)
endif()
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix)
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/embed -B ${WORK_DIR}/embed-build
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/embed-build)
run(${WORK_DIR}/embed-build/embed ${WORK_DIR})
if(SHARED)
  file(GLOB libraries ${WORK_DIR}/prefix/lib*/libminidl.so*)
  if(NOT libraries)
    message(FATAL_ERROR "no libminidl.so installed under ${WORK_DIR}/prefix")
  endif()
endif()
