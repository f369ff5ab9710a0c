#include "common/log.h"

#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <strings.h>
#include <ctime>
#include <mutex>

namespace cairn {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kNotice)};
std::mutex g_mu;
FILE* g_out = nullptr;  // guarded by g_mu; nullptr = stdout

}  // namespace

bool ParseLogLevel(const std::string& name, LogLevel* out) {
  static const struct {
    const char* name;
    LogLevel level;
  } kLevels[] = {{"debug", LogLevel::kDebug},
                 {"verbose", LogLevel::kVerbose},
                 {"notice", LogLevel::kNotice},
                 {"warning", LogLevel::kWarning},
                 {"nothing", LogLevel::kNothing}};
  for (const auto& l : kLevels) {
    if (strcasecmp(name.c_str(), l.name) == 0) {
      *out = l.level;
      return true;
    }
  }
  return false;
}

const char* LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kVerbose: return "verbose";
    case LogLevel::kNotice: return "notice";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kNothing: return "nothing";
  }
  return "notice";
}

void SetLogLevel(LogLevel level) { g_level = static_cast<int>(level); }
LogLevel GetLogLevel() { return static_cast<LogLevel>(g_level.load()); }

bool SetLogFile(const std::string& path) {
  FILE* f = nullptr;
  if (!path.empty()) {
    f = fopen(path.c_str(), "a");
    if (f == nullptr) return false;
  }
  std::lock_guard<std::mutex> lock(g_mu);
  if (g_out != nullptr) fclose(g_out);
  g_out = f;
  return true;
}

void Log(LogLevel level, const char* fmt, ...) {
  static const char kMarks[] = ".-*#";
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);

  struct timeval tv;
  gettimeofday(&tv, nullptr);
  struct tm tm;
  localtime_r(&tv.tv_sec, &tm);
  char when[64];
  size_t n = strftime(when, sizeof(when), "%d %b %Y %H:%M:%S.", &tm);
  snprintf(when + n, sizeof(when) - n, "%03d", static_cast<int>(tv.tv_usec / 1000));

  std::lock_guard<std::mutex> lock(g_mu);
  FILE* out = g_out != nullptr ? g_out : stdout;
  fprintf(out, "%d:M %s %c %s\n", static_cast<int>(getpid()), when,
          kMarks[static_cast<int>(level) > 3 ? 3 : static_cast<int>(level)], msg);
  fflush(out);
}

}  // namespace cairn
