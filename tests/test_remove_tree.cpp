// remove_tree: what std::filesystem::remove_all did, without it (libllmedit/core/remove_tree.h).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "libllmedit/core/error.h"
#include "libllmedit/core/remove_tree.h"
#include "tests/fixtures.h"

using namespace llmedit;
using namespace llmedit::test;
namespace fs = std::filesystem;

TEST_CASE("remove_tree removes nested folders and files, and links without following them", "[core]") {
  TempDir dir("remove-tree");
  const fs::path tree = fs::path(dir.path) / "tree", outside = fs::path(dir.path) / "outside";
  fs::create_directories(tree / "a" / "b");
  fs::create_directories(outside);
  std::ofstream(tree / "a" / "b" / "weights.bin") << "x";
  std::ofstream(tree / "top.json") << "{}";
  std::ofstream(outside / "keep.txt") << "kept";
  fs::create_directory_symlink(outside, tree / "a" / "link-to-outside");
  fs::create_symlink(tree / "missing-target", tree / "dangling");

  remove_tree(tree.string());
  CHECK_FALSE(fs::exists(fs::symlink_status(tree)));
  CHECK(fs::exists(outside / "keep.txt"));  // the link went, not what it pointed to

  remove_tree(tree.string());  // already gone: not an error
  CHECK(try_remove_tree(tree.string()));
  remove_tree((outside / "keep.txt").string());  // a plain file
  CHECK_FALSE(fs::exists(outside / "keep.txt"));
}

TEST_CASE("remove_tree names the entry it cannot remove", "[core]") {
  TempDir dir("remove-tree-error");
  const std::string blocked = dir.path + "/file/child";  // a path through a file: ENOTDIR
  std::ofstream(dir.path + "/file") << "x";
  CHECK_THROWS_WITH(remove_tree(blocked), Catch::Contains("cannot remove " + blocked) && Catch::Contains("directory"));
  CHECK_FALSE(try_remove_tree(blocked));
}
