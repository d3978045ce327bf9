// SPDX-License-Identifier: GPL-2.0
/*
 * The user's terminal: raw input while the guest owns it (so Ctrl-C and
 * arrow keys reach the guest), restored on every way out, including a
 * crash. The saved settings are the one piece of global state outside
 * struct vm: a fatal-signal handler has nothing else to reach them by.
 */
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "kvm.h"

static struct termios saved;
static volatile sig_atomic_t saved_valid;

void term_restore(void)
{
	if (saved_valid) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
		saved_valid = 0;
	}
}

static void fatal_signal(int sig)
{
	term_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

bool term_is_tty(void)
{
	return isatty(STDIN_FILENO);
}

int term_raw_enable(void)
{
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
	struct termios raw;
	unsigned int i;

	if (!term_is_tty() || tcgetattr(STDIN_FILENO, &saved))
		return 0;
	for (i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		signal(fatal[i], fatal_signal);
	saved_valid = 1;
	raw = saved;
	/* Input raw; output processing stays, so our own logs stay readable. */
	raw.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR |
			 ICRNL | IXON);
	raw.c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	raw.c_cflag &= ~(CSIZE | PARENB);
	raw.c_cflag |= CS8;
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw))
		return -1;
	return 0;
}
