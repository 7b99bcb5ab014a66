/* tests/unit/prog.c - the dispatcher sets sb_prog; tests name themselves. */
const char *sb_prog = "sb-test";
