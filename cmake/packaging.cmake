# The Debian package `timecoin`, built by CPack from the build tree: `cpack -G DEB` in the build
# folder (docs/packaging.md). Included from the top level after every folder, so that the program
# targets exist. Paths follow Debian 12: programs in /usr/bin, the unit in /lib/systemd/system, the
# configuration in /etc/timecoin, everything else under /usr/share.
include(GNUInstallDirs)

# The operator's programs: every one here exists in every build (timecoin-loadgen only with the
# dataplane library). Not packaged:
# timecoin-sim (the consensus simulator, a development tool) and timecoin-gpu-check (it reads the
# published test vectors, which are not shipped).
set(TC_PACKAGED_PROGRAMS timecoind time-cli timecoin-wallet timecoin-devnet timecoin-verify
  timecoin-hwcheck)
if(TARGET timecoin-loadgen)
  list(APPEND TC_PACKAGED_PROGRAMS timecoin-loadgen)
endif()
install(TARGETS ${TC_PACKAGED_PROGRAMS} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

set(tc_packaging_dir ${PROJECT_SOURCE_DIR}/packaging)
set(tc_package_doc_dir ${CMAKE_INSTALL_DATAROOTDIR}/doc/timecoin)
install(FILES ${tc_packaging_dir}/timecoind.service DESTINATION /lib/systemd/system)
install(FILES ${tc_packaging_dir}/timecoind.toml DESTINATION /etc/timecoin)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/firmware_configs/profiles
  DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/timecoin)
install(FILES ${PROJECT_SOURCE_DIR}/firmware_configs/profile.schema.json
  DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/timecoin)
install(FILES ${PROJECT_SOURCE_DIR}/node/config/mainnet.toml ${PROJECT_SOURCE_DIR}/node/config/testnet.toml
  ${PROJECT_SOURCE_DIR}/node/config/devnet.toml DESTINATION ${tc_package_doc_dir}/examples)
file(GLOB tc_docs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${tc_docs} DESTINATION ${tc_package_doc_dir})
install(FILES ${tc_packaging_dir}/copyright DESTINATION ${tc_package_doc_dir})
install(FILES ${tc_packaging_dir}/lintian-overrides DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/lintian/overrides
  RENAME timecoin)

# A native package's changelog is /usr/share/doc/PACKAGE/changelog.gz, compressed without a
# timestamp (gzip -n) so that the package is reproducible. Its newest entry must name this version.
file(STRINGS ${tc_packaging_dir}/changelog tc_changelog_head LIMIT_COUNT 1)
if(NOT tc_changelog_head MATCHES "^timecoin \\(${PROJECT_VERSION}\\) ")
  message(FATAL_ERROR "packaging/changelog: the newest entry is '${tc_changelog_head}', but the "
    "project's version is ${PROJECT_VERSION}: add an entry for it")
endif()
find_program(TC_GZIP gzip REQUIRED)
set(tc_changelog_gz ${CMAKE_CURRENT_BINARY_DIR}/packaging/changelog.gz)
configure_file(${tc_packaging_dir}/changelog ${CMAKE_CURRENT_BINARY_DIR}/packaging/changelog COPYONLY)
execute_process(COMMAND ${TC_GZIP} -9 -n -c ${CMAKE_CURRENT_BINARY_DIR}/packaging/changelog
  OUTPUT_FILE ${tc_changelog_gz} COMMAND_ERROR_IS_FATAL ANY)
install(FILES ${tc_changelog_gz} DESTINATION ${tc_package_doc_dir})

# dpkg treats the files listed in conffiles as the administrator's: an upgrade never overwrites a
# changed one without asking.
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/packaging/conffiles "/etc/timecoin/timecoind.toml\n")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME timecoin)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "TimeCoin maintainers <maintainers@users.noreply.b-seed-3b68d979.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "masternode for the TimeCoin network, with GPU signature checks")
# The long description; CPack indents it and adds the summary as the first line.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "timecoind takes transactions off the wire (DPDK or sockets), verifies their
Ed25519 signatures in batches on a GPU or the CPU, orders them with a
Tendermint-style BFT consensus among masternodes and applies them to a RocksDB
UTXO set. Every accelerated part has a CPU fallback.
.
The package holds timecoind with a hardened systemd unit, time-cli (JSON-RPC
client), timecoin-wallet, timecoin-loadgen, timecoin-verify, timecoin-hwcheck
(compares the machine with a hardware profile), timecoin-devnet and the
hardware profiles.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The libraries the programs link, as dpkg-shlibdeps finds them; adduser for the maintainer scripts.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS adduser)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${tc_packaging_dir}/postinst ${tc_packaging_dir}/prerm
  ${tc_packaging_dir}/postrm ${CMAKE_CURRENT_BINARY_DIR}/packaging/conffiles)
# Maintainer scripts 0755, other control files 0644, whatever the checkout's modes.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# Debug information stays in the build tree; the package carries stripped programs.
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
include(CPack)
