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
