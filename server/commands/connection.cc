#include "server/command.h"

namespace cairn {

void RegisterConnectionCommands(CommandRegistry& reg) { (void)reg; }

}  // namespace cairn
