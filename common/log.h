// Single-line logs with level and time, as Redis writes them:
//   12345:M 23 Nov 2026 19:02:01.123 * message
#pragma once

#include <cstdarg>
#include <string>

namespace cairn {

enum class LogLevel { kDebug = 0, kVerbose = 1, kNotice = 2, kWarning = 3, kNothing = 4 };

// Parses "debug|verbose|notice|warning|nothing"; false if unknown.
bool ParseLogLevel(const std::string& name, LogLevel* out);
const char* LogLevelName(LogLevel level);

void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
// Empty path = stdout. Returns false (and keeps the old target) if the file cannot be opened.
bool SetLogFile(const std::string& path);

void Log(LogLevel level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

}  // namespace cairn

#define CAIRN_LOG(level, ...)                                    \
  do {                                                           \
    if (static_cast<int>(level) >= static_cast<int>(::cairn::GetLogLevel())) \
      ::cairn::Log(level, __VA_ARGS__);                          \
  } while (0)
#define LOG_DEBUG(...) CAIRN_LOG(::cairn::LogLevel::kDebug, __VA_ARGS__)
#define LOG_VERBOSE(...) CAIRN_LOG(::cairn::LogLevel::kVerbose, __VA_ARGS__)
#define LOG_NOTICE(...) CAIRN_LOG(::cairn::LogLevel::kNotice, __VA_ARGS__)
#define LOG_WARNING(...) CAIRN_LOG(::cairn::LogLevel::kWarning, __VA_ARGS__)
