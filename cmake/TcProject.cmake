# Shared build settings for the project's own targets.

# Warnings are errors for our code only; third-party headers come in as SYSTEM includes.
add_library(tc_warnings INTERFACE)
target_compile_options(tc_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Werror -Wno-missing-field-initializers>)

# The build machine kind is AMD Zen 4; release builds still target baseline x86-64-v2 so the binaries
# run on any operator's server. Code that needs wider instructions dispatches at run time.
add_library(tc_arch INTERFACE)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  target_compile_options(tc_arch INTERFACE $<$<COMPILE_LANGUAGE:CXX>:-march=x86-64-v2>)
endif()

# tc_add_library(name SOURCES ... DEPS ...): one library per folder, headers included as
# "folder/file.h" from the repository root.
function(tc_add_library name)
  cmake_parse_arguments(arg "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${arg_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${arg_PUBLIC_DEPS} PRIVATE tc_warnings tc_arch ${arg_PRIVATE_DEPS})
endfunction()

# tc_add_tool(name SOURCES ... DEPS ...): a program that lands in build/bin.
function(tc_add_tool name)
  cmake_parse_arguments(arg "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE tc_warnings tc_arch ${arg_DEPS})
endfunction()
