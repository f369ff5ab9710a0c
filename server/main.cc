// cairn-server [config-file] [--directive value ...]
// Wires the pieces together: config, then the Server, then run until told to stop.
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/log.h"
#include "server/config.h"
#include "server/server.h"

// jemalloc's options, read when it starts (MALLOC_CONF in the environment
// adds to them; the sanitizer builds, without jemalloc, ignore this).
// oversize_threshold:0 keeps allocations of 8 MB and more in the ordinary
// arenas: jemalloc otherwise serves them from one that hands their pages
// back at once, and every command on a long string allocates a copy of it
// (the read of a 20 MB bitmap for a SETBIT), so each copy page-faulted the
// whole value in again: 2,000 SETBITs on a 20 MB bitmap took 25.6 s with
// it, 3.6 s without (README, "APPEND, SETRANGE, SETBIT and BITFIELD on a
// long value").
extern "C" {
const char* malloc_conf = "oversize_threshold:0";
}

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "-v" || args[0] == "--version")) {
    printf("Cairn server v=0.1.0 (Redis 7.0 compatible)\n");
    return 0;
  }
  if (!args.empty() && (args[0] == "-h" || args[0] == "--help")) {
    printf("Usage: cairn-server [/path/to/cairn.conf] [--directive value ...]\n");
    return 0;
  }
  cairn::Config config;
  cairn::Status s = config.LoadFromArgs(args);
  if (!s.ok()) {
    fprintf(stderr, "cairn-server: %s\n", s.message().c_str());
    return 1;
  }
  char exe[PATH_MAX] = {0};
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  std::string executable = n > 0 ? std::string(exe, static_cast<size_t>(n)) : argv[0];

  cairn::SystemClock clock;
  cairn::Server server(config, clock);
  s = server.Start(executable);
  if (!s.ok()) {
    fprintf(stderr, "cairn-server: can't start: %s\n", s.message().c_str());
    // Also in the log file if there is one; without one the log is stdout and
    // the reason would print twice.
    if (!config.logfile().empty()) {
      cairn::Log(cairn::LogLevel::kWarning, "can't start: %s", s.message().c_str());
    }
    return 1;
  }
  server.Run();
  return 0;
}
