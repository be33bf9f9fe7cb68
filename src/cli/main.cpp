// strata: the command-line entry point. Everything lives in the libraries;
// this only hands the arguments over.
#include <iostream>
#include <string>
#include <vector>

#include "strata/cli/cli.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return strata::cli::run(args, std::cout, std::cerr);
}
