// Cooperative Ctrl-C / SIGTERM handling for long runs.
//
// After install(), the first SIGINT/SIGTERM only sets a flag: long loops check requested() and
// stop at a safe point (journals flushed, nothing half-written). A second signal restores the
// default action and kills the process, which the journals also survive.
#pragma once

namespace sl::interrupt {

void install();
bool requested();
// For tests.
void reset();

}  // namespace sl::interrupt
