#include "server/command.h"

namespace cairn {

void RegisterAdminCommands(CommandRegistry& reg) { (void)reg; }

}  // namespace cairn
