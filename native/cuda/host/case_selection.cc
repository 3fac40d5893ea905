#include "host/case_selection.h"

#include <algorithm>

namespace tf::cuda {

namespace {
std::string trimmed(std::string s) {
  s.erase(0, s.find_first_not_of(' '));
  s.erase(s.find_last_not_of(' ') + 1);
  return s;
}
}  // namespace

CaseSelection select_cases(const std::vector<std::string>& table, const std::string& spec,
                           const std::string& variable) {
  CaseSelection out;
  std::vector<bool> named(table.size(), false);
  size_t start = 0;
  while (start <= spec.size()) {
    const size_t end = std::min(spec.find('|', start), spec.size());
    const std::string name = trimmed(spec.substr(start, end - start));
    start = end + 1;
    const auto it = std::find(table.begin(), table.end(), name);
    if (it == table.end()) {
      out.error = name.empty() ? variable + " has an empty name (a '|' too many); the cases are:"
                               : variable + " names \"" + name + "\", which is not a case; the cases are:";
      for (const std::string& n : table) out.error += "\n  " + n;
      out.kept.clear();
      return out;
    }
    named[size_t(it - table.begin())] = true;
  }
  for (size_t i = 0; i < table.size(); ++i)
    if (named[i]) out.kept.push_back(i);
  return out;
}

}  // namespace tf::cuda
