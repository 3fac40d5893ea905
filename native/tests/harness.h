#pragma once
// A tiny test harness in the llm.c spirit: TEST(name) registers a function, CHECK* record a failure with
// file:line and keep going (so one run shows every broken number), REQUIRE stops the current test. Each
// tests/test_*.cc is its own executable (CMake globs them, links harness_main.cc for main() and any
// tests/support/*.cc helpers). The run ends with one line "N passed, N failed"; when the environment
// variable TF_TEST_SUMMARY_DIR is set the same counts are written to <dir>/<program>.txt (or
// <dir>/$TF_TEST_SUMMARY_NAME.txt) for the `npm run test:native` total. `./test_x substring` runs only
// tests whose name contains substring.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

#include "../cuda/host/test_summary.h"  // the summary file, named as cuda_check's (TF_TEST_SUMMARY_NAME)
#include "../src/common/error.h"

namespace tf_test {

struct TestCase {
  const char* name;
  void (*fn)();
};

inline std::vector<TestCase>& registry() {
  static std::vector<TestCase> tests;
  return tests;
}

struct Registrar {
  Registrar(const char* name, void (*fn)()) { registry().push_back({name, fn}); }
};

// Failures of the test that is running now.
inline int& current_failures() {
  static int n = 0;
  return n;
}

struct RequireFailed {};  // thrown by REQUIRE to leave the test; not an error of the code under test

inline void report(const char* file, int line, const std::string& what) {
  ++current_failures();
  std::fprintf(stderr, "  FAIL %s:%d: %s\n", file, line, what.c_str());
}

template <typename T, typename = void>
struct Streamable : std::false_type {};
template <typename T>
struct Streamable<T, std::void_t<decltype(std::declval<std::ostream&>() << std::declval<const T&>())>> : std::true_type {};

// Values in failure messages: streamable types as themselves, enums as their number, anything else opaque.
template <typename T>
std::string show(const T& v) {
  std::ostringstream os;
  os.precision(9);
  if constexpr (std::is_enum_v<T>) os << "enum " << static_cast<long long>(v);
  else if constexpr (Streamable<T>::value) os << v;
  else os << "(value)";
  return os.str();
}
inline std::string show(const std::string& v) { return "\"" + v + "\""; }
inline std::string show(const char* v) { return v ? "\"" + std::string(v) + "\"" : "null"; }
inline std::string show(unsigned char v) { return show(static_cast<int>(v)); }
inline std::string show(signed char v) { return show(static_cast<int>(v)); }

// Largest |a[i] - b[i]|; sizes must match (a mismatch returns +inf so checks fail loudly).
inline double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return INFINITY;
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    double d = std::fabs(static_cast<double>(a[i]) - static_cast<double>(b[i]));
    if (std::isnan(d)) return INFINITY;
    if (d > m) m = d;
  }
  return m;
}

// A fresh directory under $TMPDIR (or /tmp), removed with its contents when the object goes out of scope.
class TempDir {
 public:
  explicit TempDir(const std::string& tag = "tf") {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/" + tag + "-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data())) throw tf::Error("harness: cannot create a temporary directory from " + tmpl);
    path_ = buf.data();
  }
  ~TempDir() {
    // rm -r through the shell keeps the harness small; the path is ours and has no quotes in it.
    std::string cmd = "rm -rf '" + path_ + "'";
    if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "  note: could not remove %s\n", path_.c_str());
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!f) throw tf::Error("harness: cannot write " + path);
}

inline std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw tf::Error("harness: cannot read " + path);
  std::ostringstream os;
  os << f.rdbuf();
  return os.str();
}

inline int run_all(int argc, char** argv) {
  const char* filter = argc > 1 ? argv[1] : nullptr;
  int passed = 0, failed = 0;
  for (const TestCase& t : registry()) {
    if (filter && !std::strstr(t.name, filter)) continue;
    current_failures() = 0;
    auto t0 = std::chrono::steady_clock::now();
    try {
      t.fn();
    } catch (const RequireFailed&) {
      // already reported
    } catch (const std::exception& e) {
      report(t.name, 0, std::string("unexpected exception: ") + e.what());
    } catch (...) {
      report(t.name, 0, "unexpected non-standard exception");
    }
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    bool ok = current_failures() == 0;
    (ok ? passed : failed)++;
    std::printf("%s %s (%.1f ms)\n", ok ? "ok  " : "FAIL", t.name, ms);
    std::fflush(stdout);
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  tf::cuda::check::write_test_summary(argv[0], passed, failed);
  return failed == 0 ? 0 : 1;
}

}  // namespace tf_test

#define TF_TEST_CAT2(a, b) a##b
#define TF_TEST_CAT(a, b) TF_TEST_CAT2(a, b)

#define TEST(name)                                                              \
  static void name();                                                           \
  static ::tf_test::Registrar TF_TEST_CAT(tf_test_reg_, name)(#name, &name);    \
  static void name()

#define CHECK(cond)                                                             \
  do {                                                                          \
    if (!(cond)) ::tf_test::report(__FILE__, __LINE__, "CHECK(" #cond ")");    \
  } while (0)

#define REQUIRE(cond)                                                           \
  do {                                                                          \
    if (!(cond)) {                                                              \
      ::tf_test::report(__FILE__, __LINE__, "REQUIRE(" #cond ")");             \
      throw ::tf_test::RequireFailed{};                                         \
    }                                                                           \
  } while (0)

#define CHECK_EQ(a, b)                                                                               \
  do {                                                                                               \
    const auto& tf_a_ = (a);                                                                         \
    const auto& tf_b_ = (b);                                                                         \
    if (!(tf_a_ == tf_b_))                                                                           \
      ::tf_test::report(__FILE__, __LINE__, "CHECK_EQ(" #a ", " #b "): " + ::tf_test::show(tf_a_) + \
                                                " != " + ::tf_test::show(tf_b_));                    \
  } while (0)

// |a - b| <= tol; NaN never passes.
#define CHECK_NEAR(a, b, tol)                                                                          \
  do {                                                                                                 \
    const double tf_a_ = static_cast<double>(a), tf_b_ = static_cast<double>(b);                       \
    const double tf_t_ = static_cast<double>(tol);                                                     \
    if (!(std::fabs(tf_a_ - tf_b_) <= tf_t_))                                                          \
      ::tf_test::report(__FILE__, __LINE__, "CHECK_NEAR(" #a ", " #b ", " #tol "): " +                \
                                                ::tf_test::show(tf_a_) + " vs " + ::tf_test::show(tf_b_) + \
                                                ", diff " + ::tf_test::show(std::fabs(tf_a_ - tf_b_))); \
  } while (0)

// The statement must throw tf::Error whose message contains `substr` (pass "" to accept any message).
#define CHECK_THROWS(stmt, substr)                                                                     \
  do {                                                                                                 \
    bool tf_thrown_ = false;                                                                           \
    try {                                                                                              \
      stmt;                                                                                            \
    } catch (const ::tf::Error& tf_e_) {                                                               \
      tf_thrown_ = true;                                                                               \
      const std::string tf_want_(substr);                                                              \
      if (std::string(tf_e_.what()).find(tf_want_) == std::string::npos)                               \
        ::tf_test::report(__FILE__, __LINE__, std::string("CHECK_THROWS(" #stmt "): message \"") +    \
                                                  tf_e_.what() + "\" lacks \"" + tf_want_ + "\"");     \
    } catch (const std::exception& tf_e_) {                                                            \
      tf_thrown_ = true;                                                                               \
      ::tf_test::report(__FILE__, __LINE__,                                                            \
                        std::string("CHECK_THROWS(" #stmt "): threw a non-tf::Error: ") + tf_e_.what()); \
    }                                                                                                  \
    if (!tf_thrown_) ::tf_test::report(__FILE__, __LINE__, "CHECK_THROWS(" #stmt "): did not throw"); \
  } while (0)

