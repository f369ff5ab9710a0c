#include "server/command.h"

namespace cairn {

void RegisterIntrospectionCommands(CommandRegistry& reg) { (void)reg; }

}  // namespace cairn
