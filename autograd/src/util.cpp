// LibTorch's c10 utilities (util.hpp): errors and the warning channel.
#include "xgrad/util.hpp"

#include <atomic>
#include <iostream>

namespace xgrad {

std::ostream& operator<<(std::ostream& out, const SourceLocation& location) {
  return out << location.function << " at " << location.file << ":" << location.line;
}

Error::Error(SourceLocation location, const std::string& message)
    : Error(message + " (" + str(location) + ")") {}

namespace detail {
void check_failed(const char* function, const char* file, uint32_t line, const char* condition,
                  const std::string& message) {
  // LibTorch's wording, so code matching on it keeps working.
  throw Error(SourceLocation{function, file, line},
              message.empty() ? std::string("Expected ") + condition + " to be true, but got false." : message);
}
}  // namespace detail

void WarningHandler::process(const SourceLocation& source_location, const std::string& msg, const bool) {
  std::cerr << "Warning: " << msg << " (" << source_location << ")\n";
}

namespace Warning {
namespace {
WarningHandler default_handler;
thread_local WarningHandler* current = nullptr;
std::atomic<bool> warn_always{false};
}  // namespace

void warn(const SourceLocation& source_location, const std::string& msg, bool verbatim) {
  get_warning_handler()->process(source_location, msg, verbatim);
}
void set_warning_handler(WarningHandler* handler) noexcept { current = handler; }
WarningHandler* get_warning_handler() noexcept { return current ? current : &default_handler; }
void set_warnAlways(bool setting) noexcept { warn_always.store(setting); }
bool get_warnAlways() noexcept { return warn_always.load(); }
}  // namespace Warning

}  // namespace xgrad
