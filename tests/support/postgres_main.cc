// main() for test binaries that need PostgreSQL: starts the cluster once, runs, stops it.
#include <gtest/gtest.h>

#include "tests/support/postgres_environment.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new encuentro::testing::PostgresEnvironment);
  return RUN_ALL_TESTS();
}
