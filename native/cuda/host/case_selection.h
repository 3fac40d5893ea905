#pragma once
// Which of a check program's cases to run, from an environment value such as TF_MODEL_CHECK_CASES: a user rerunning
// one failing case on a GPU, or a test that needs one case, names them instead of running the whole table.
#include <string>
#include <vector>

namespace tf::cuda {

struct CaseSelection {
  std::vector<size_t> kept;  // indices into the table, in the table's order, each once
  std::string error;         // non-empty when a name is unknown or empty: what is wrong, then every case's name
};

// `spec` holds names separated by '|'; spaces around a name are ignored. Every name must be one of `table`.
CaseSelection select_cases(const std::vector<std::string>& table, const std::string& spec,
                           const std::string& variable = "TF_MODEL_CHECK_CASES");

}  // namespace tf::cuda
