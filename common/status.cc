#include "common/status.h"

namespace cairn {

std::string Status::ToString() const {
  const char* name = "OK";
  switch (code_) {
    case Code::kOk: return "OK";
    case Code::kNotFound: name = "NotFound"; break;
    case Code::kInvalidArgument: name = "InvalidArgument"; break;
    case Code::kIOError: name = "IOError"; break;
    case Code::kCorruption: name = "Corruption"; break;
    case Code::kBusy: name = "Busy"; break;
    case Code::kAborted: name = "Aborted"; break;
    case Code::kNoSpace: name = "NoSpace"; break;
    case Code::kInternal: name = "Internal"; break;
  }
  return msg_.empty() ? std::string(name) : std::string(name) + ": " + msg_;
}

}  // namespace cairn
