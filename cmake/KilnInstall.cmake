# Install rules (included by the top-level CMakeLists.txt): the tools, libkiln
# (static and shared), libkilnc, the public headers, pkg-config files and the
# CMake package kilnConfig.cmake (imported targets kiln::runtime,
# kiln::runtime_shared, kiln::compiler, kiln::kilnc and kiln_precompile()).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set_target_properties(kiln PROPERTIES EXPORT_NAME runtime)
set_target_properties(kiln-shared PROPERTIES EXPORT_NAME runtime_shared)
set_target_properties(kilnc PROPERTIES EXPORT_NAME compiler)
set_target_properties(kilnc-cli PROPERTIES EXPORT_NAME kilnc)
set_target_properties(kiln-cli PROPERTIES EXPORT_NAME kiln)
set_target_properties(kiln-objdump PROPERTIES EXPORT_NAME objdump)

install(TARGETS kiln kiln-shared kilnc kilnc-cli kiln-cli kiln-objdump
  EXPORT kilnTargets
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})

# ---- symbol hygiene: the installed libraries export only their API -------------------
# The in-tree libkiln.a/libkilnc.a keep their internal symbols (the tools and
# unit tests use them). The installed ones are one partially linked object
# each whose only global symbols are the functions the public headers
# declare (cmake/kiln_public_symbols.cmake lists them): libkiln kiln_*,
# libkilnc kilnc_* (plus kiln_status_name and kiln_trap_message of
# kiln/status.h, weak, so that linking both libraries statically works);
# libkiln.so gets a version script with the same list. The install rules
# below overwrite the archives install(TARGETS) wrote.
find_program(KILN_OBJCOPY NAMES objcopy ${CMAKE_OBJCOPY})
if(KILN_OBJCOPY AND CMAKE_LINKER AND CMAKE_AR)
  set(KILN_SYMBOLS_SCRIPT ${PROJECT_SOURCE_DIR}/cmake/kiln_public_symbols.cmake)
  set(KILN_RUNTIME_HEADERS ${PROJECT_SOURCE_DIR}/include/kiln.h
      ${PROJECT_SOURCE_DIR}/include/kiln/host.h ${PROJECT_SOURCE_DIR}/include/kiln/linker.h
      ${PROJECT_SOURCE_DIR}/include/kiln/status.h ${PROJECT_SOURCE_DIR}/include/kiln_wasi.h
      ${PROJECT_SOURCE_DIR}/include/kiln/signing.h ${PROJECT_SOURCE_DIR}/include/kiln/arena.h)
  set(KILN_COMPILER_HEADERS ${PROJECT_SOURCE_DIR}/include/kiln_compiler.h
      ${PROJECT_SOURCE_DIR}/include/kiln/status.h)
  set(pub ${CMAKE_CURRENT_BINARY_DIR}/public)
  string(REPLACE ";" "," runtime_headers "${KILN_RUNTIME_HEADERS}")
  string(REPLACE ";" "," compiler_headers "${KILN_COMPILER_HEADERS}")
  add_custom_command(OUTPUT ${pub}/kiln.syms ${pub}/kiln.map ${pub}/kilnc.syms
    COMMAND ${CMAKE_COMMAND} -E make_directory ${pub}
    COMMAND ${CMAKE_COMMAND} -DHEADERS=${runtime_headers} -DPREFIX=kiln_
            -DOUTPUT=${pub}/kiln.syms -DVERSION_SCRIPT=${pub}/kiln.map -P ${KILN_SYMBOLS_SCRIPT}
    COMMAND ${CMAKE_COMMAND} -DHEADERS=${compiler_headers} -DPREFIX=kiln[c]?_
            -DOUTPUT=${pub}/kilnc.syms -P ${KILN_SYMBOLS_SCRIPT}
    DEPENDS ${KILN_RUNTIME_HEADERS} ${KILN_COMPILER_HEADERS} ${KILN_SYMBOLS_SCRIPT}
    COMMENT "public symbol lists"
    VERBATIM)
  add_custom_target(kiln-symbol-lists DEPENDS ${pub}/kiln.syms ${pub}/kiln.map ${pub}/kilnc.syms)
  add_dependencies(kiln-shared kiln-symbol-lists)
  target_link_options(kiln-shared PRIVATE -Wl,--version-script=${pub}/kiln.map)
  set_property(TARGET kiln-shared APPEND PROPERTY LINK_DEPENDS ${pub}/kiln.map)

  add_custom_command(OUTPUT ${pub}/libkiln.a
    COMMAND ${CMAKE_LINKER} -r -o ${pub}/kiln.o --whole-archive $<TARGET_FILE:kiln>
    COMMAND ${KILN_OBJCOPY} --keep-global-symbols=${pub}/kiln.syms ${pub}/kiln.o
    COMMAND ${CMAKE_COMMAND} -E rm -f ${pub}/libkiln.a
    COMMAND ${CMAKE_AR} rcs ${pub}/libkiln.a ${pub}/kiln.o
    DEPENDS kiln ${pub}/kiln.syms
    COMMENT "libkiln.a with only the public API global"
    VERBATIM)
  add_custom_command(OUTPUT ${pub}/libkilnc.a
    COMMAND ${CMAKE_LINKER} -r -o ${pub}/kilnc.o --whole-archive $<TARGET_FILE:kilnc>
    COMMAND ${KILN_OBJCOPY} --keep-global-symbols=${pub}/kilnc.syms
            --weaken-symbol=kiln_status_name --weaken-symbol=kiln_trap_message ${pub}/kilnc.o
    COMMAND ${CMAKE_COMMAND} -E rm -f ${pub}/libkilnc.a
    COMMAND ${CMAKE_AR} rcs ${pub}/libkilnc.a ${pub}/kilnc.o
    DEPENDS kilnc ${pub}/kilnc.syms
    COMMENT "libkilnc.a with only the public API global"
    VERBATIM)
  add_custom_target(kiln-public-archives ALL DEPENDS ${pub}/libkiln.a ${pub}/libkilnc.a)
  # install(FILES) skips a destination whose time stamp equals the source's
  # to the second ("Up-to-date"), which the in-tree archive just copied there
  # often has: remove it first, so the public archive is always the one
  # installed.
  install(CODE "file(REMOVE
    \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/libkiln.a\"
    \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/libkilnc.a\")")
  install(FILES ${pub}/libkiln.a ${pub}/libkilnc.a DESTINATION ${CMAKE_INSTALL_LIBDIR})
else()
  message(STATUS "objcopy not found: installed libraries keep their internal symbols")
endif()
# The public headers only: include/kiln/aot_format.h is installed too (the
# inspector's and the writer's format, for tools that read containers), but
# kiln.h and kiln_compiler.h do not include it.
install(DIRECTORY include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")

set(KILN_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/kiln)
install(EXPORT kilnTargets NAMESPACE kiln:: DESTINATION ${KILN_CMAKE_DIR})
configure_package_config_file(cmake/kilnConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/kilnConfig.cmake INSTALL_DESTINATION ${KILN_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/kilnConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/kilnConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/kilnConfigVersion.cmake
              cmake/KilnPrecompile.cmake cmake/kiln_embed.cmake
        DESTINATION ${KILN_CMAKE_DIR})

# pkg-config: Libs.private carries what a static link needs.
set(KILN_PC_PRIVATE "-lpthread -lm")
set(KILN_PC_DEFINES "")
if(KILN_SIGNING)
  string(PREPEND KILN_PC_PRIVATE "-lsodium ")
  set(KILN_PC_DEFINES "-DKILN_HAVE_SIGNING")
endif()
set(KILNC_PC_PRIVATE "-L${LLVM_LIB_DIR} -lLLVM-19 -lpthread -lm")
configure_file(cmake/kiln.pc.in ${CMAKE_CURRENT_BINARY_DIR}/kiln.pc @ONLY)
configure_file(cmake/kilnc.pc.in ${CMAKE_CURRENT_BINARY_DIR}/kilnc.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/kiln.pc ${CMAKE_CURRENT_BINARY_DIR}/kilnc.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
