#pragma once
// Every failure in the trainer is a tf::Error with a message a user can act on (which file, which tensor,
// what was expected). The binding turns it into a JS Error; nothing calls exit() or abort().
#include <stdexcept>
#include <string>

namespace tf {

struct Error : std::runtime_error {
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Thrown when the caller asked to stop (cancellation token set); not a failure.
struct Cancelled : std::runtime_error {
  Cancelled() : std::runtime_error("cancelled") {}
};

#define TF_CHECK(cond, msg)                 \
  do {                                      \
    if (!(cond)) throw ::tf::Error(msg);    \
  } while (0)

}  // namespace tf
