#include "server/command.h"

namespace cairn {

void RegisterKeyCommands(CommandRegistry& reg) { (void)reg; }

}  // namespace cairn
