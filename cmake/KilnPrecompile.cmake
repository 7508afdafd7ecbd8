# kiln_precompile(<target> WASM <file>
#                 [OUTPUT <file>] [TARGET <triple>] [CPU <cpu>]
#                 [FORMAT aot|object] [NAME <identifier>] [OPTIONS <kilnc args>...])
#
# Runs kilnc at build time on <file> (rebuilt when it or kilnc changes) and
# puts the result into <target>:
#   FORMAT aot (default): the container is embedded as a byte array. A
#     generated header <NAME>.h (on <target>'s include path) declares
#         extern const unsigned char <NAME>[];   extern const size_t <NAME>_size;
#     to pass to kiln_module_load(<NAME>, <NAME>_size, ...). NAME defaults to
#     the file's stem as a C identifier plus "_aot" (fib.wasm: fib_aot).
#   FORMAT object: the module is linked statically: kilnc --format=object
#     writes its code as a relocatable object, which is linked into <target>,
#     and kilnc writes its container (for the module's description), which
#     is embedded as above. The generated <NAME>.h also declares
#         extern const struct kiln_linked_code <NAME>_code;
#     the record the object defines, to pass to
#     kiln_module_load_linked(<NAME>, <NAME>_size, &<NAME>_code, ...): the
#     code runs where the linker put it, nothing is mapped at run time.
#     NAME defaults to the file's stem plus "_linked" (fib_linked).
# OUTPUT is the container/object path (default: <binary dir>/kiln_precompile/
# <stem>.aot or .o). TARGET and CPU are kilnc's --target and --cpu; OPTIONS
# are passed to kilnc as they are (e.g. -O2, --bounds-checks=explicit).
set(_KILN_EMBED_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/kiln_embed.cmake")

function(kiln_precompile target)
  cmake_parse_arguments(PARSE_ARGV 1 KP "" "WASM;OUTPUT;TARGET;CPU;FORMAT;NAME" "OPTIONS")
  if(KP_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "kiln_precompile(${target}): unknown arguments ${KP_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT TARGET ${target})
    message(FATAL_ERROR "kiln_precompile: ${target} is not a target")
  endif()
  if(NOT KP_WASM)
    message(FATAL_ERROR "kiln_precompile(${target}): WASM <file.wasm> is required")
  endif()
  if(NOT KP_FORMAT)
    set(KP_FORMAT aot)
  endif()
  if(NOT KP_FORMAT MATCHES "^(aot|object)$")
    message(FATAL_ERROR "kiln_precompile(${target}): FORMAT must be aot or object, not ${KP_FORMAT}")
  endif()
  if(NOT TARGET kiln::kilnc)
    message(FATAL_ERROR "kiln_precompile: kiln::kilnc is not defined (find_package(kiln) first)")
  endif()
  get_filename_component(wasm "${KP_WASM}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  get_filename_component(stem "${wasm}" NAME_WE)
  set(dir "${CMAKE_CURRENT_BINARY_DIR}/kiln_precompile")
  set(args)
  if(KP_TARGET)
    list(APPEND args --target=${KP_TARGET})
  endif()
  if(KP_CPU)
    list(APPEND args --cpu=${KP_CPU})
  endif()

  set(linked_args)
  if(KP_FORMAT STREQUAL "object")
    if(NOT KP_NAME)
      string(MAKE_C_IDENTIFIER "${stem}_linked" KP_NAME)
    endif()
    if(NOT KP_OUTPUT)
      set(KP_OUTPUT "${dir}/${stem}.o")
    endif()
    get_filename_component(object "${KP_OUTPUT}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
    add_custom_command(OUTPUT "${object}"
      COMMAND ${CMAKE_COMMAND} -E make_directory "${dir}"
      COMMAND kiln::kilnc --format=object --linked-name=${KP_NAME}_code ${args} ${KP_OPTIONS}
              "${wasm}" -o "${object}"
      DEPENDS "${wasm}" kiln::kilnc
      COMMENT "kilnc --format=object ${stem}.wasm"
      VERBATIM)
    set_source_files_properties("${object}" PROPERTIES EXTERNAL_OBJECT TRUE GENERATED TRUE)
    target_sources(${target} PRIVATE "${object}")
    # The same module's container, for its description.
    set(out "${dir}/${KP_NAME}.aot")
    set(linked_args -DLINKED=${KP_NAME}_code)
  else()
    if(NOT KP_NAME)
      string(MAKE_C_IDENTIFIER "${stem}_aot" KP_NAME)
    endif()
    if(NOT KP_OUTPUT)
      set(KP_OUTPUT "${dir}/${stem}.aot")
    endif()
    get_filename_component(out "${KP_OUTPUT}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
  endif()
  set(c_file "${dir}/${KP_NAME}.c")
  set(h_file "${dir}/${KP_NAME}.h")
  add_custom_command(OUTPUT "${out}"
    COMMAND ${CMAKE_COMMAND} -E make_directory "${dir}"
    COMMAND kiln::kilnc ${args} ${KP_OPTIONS} "${wasm}" -o "${out}"
    DEPENDS "${wasm}" kiln::kilnc
    COMMENT "kilnc ${stem}.wasm"
    VERBATIM)
  add_custom_command(OUTPUT "${c_file}" "${h_file}"
    COMMAND ${CMAKE_COMMAND} -DINPUT=${out} -DSOURCE=${c_file} -DHEADER=${h_file}
            -DNAME=${KP_NAME} ${linked_args} -P "${_KILN_EMBED_SCRIPT}"
    DEPENDS "${out}" "${_KILN_EMBED_SCRIPT}"
    COMMENT "embedding ${stem}.aot as ${KP_NAME}[]"
    VERBATIM)
  target_sources(${target} PRIVATE "${c_file}" "${h_file}")
  target_include_directories(${target} PRIVATE "${dir}")
endfunction()
