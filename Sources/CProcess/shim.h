// prctl(2) is variadic, which Swift cannot call: one fixed-argument wrapper for the one use.
#include <sys/prctl.h>
#include <signal.h>

// The calling process receives `sig` when its parent thread ends.
static inline int nicer_signal_on_parent_death(int sig) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long)sig, 0UL, 0UL, 0UL);
}
