# Every dependency comes from a Debian package (scripts/install-deps installs them).
find_package(Eigen3 3.4 REQUIRED NO_MODULE)   # Eigen3::Eigen
find_package(cppzmq REQUIRED)                 # cppzmq
find_package(Protobuf REQUIRED)               # protobuf::libprotobuf, protobuf_generate()
find_package(OpenMP REQUIRED)                 # OpenMP::OpenMP_CXX
find_package(nlohmann_json REQUIRED)          # nlohmann_json::nlohmann_json
find_package(spdlog REQUIRED)                 # spdlog::spdlog
find_package(ZLIB REQUIRED)                   # ZLIB::ZLIB
find_package(CLI11 REQUIRED)                  # CLI11::CLI11
find_package(Threads REQUIRED)
if(FEDCARBON_BUILD_TESTS)
  find_package(GTest REQUIRED)                # GTest::gtest_main
endif()
if(FEDCARBON_BUILD_BENCH)
  find_package(benchmark REQUIRED)            # benchmark::benchmark
endif()
