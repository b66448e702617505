# ctest script: runs COMMAND (a ;-list) and passes only if it ends with a non-zero exit within
# LIMIT seconds and its output matches EXPECT.
#   cmake -DCOMMAND=... -DLIMIT=30 -DEXPECT=regex -P expect_failure.cmake
string(TIMESTAMP start "%s")
execute_process(COMMAND ${COMMAND} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err
                TIMEOUT ${LIMIT})
string(TIMESTAMP end "%s")
math(EXPR seconds "${end} - ${start}")
message("exit: ${result} after ${seconds} s\n${out}${err}")
if(result MATCHES "timeout")
  message(FATAL_ERROR "the job was still running after ${LIMIT} s: a hang")
endif()
if(result EQUAL 0)
  message(FATAL_ERROR "the job ended with exit code 0; a failure must end it non-zero")
endif()
if(NOT "${out}${err}" MATCHES "${EXPECT}")
  message(FATAL_ERROR "the output does not match '${EXPECT}'")
endif()
