/*
 * kiln-spec-mcu: the spec runner of tests/spec (kiln-spec-rt: runs
 * precompiled .aot files named by wast2json's .json, runtime only) on the
 * board, reading both through semihosting. tests/baremetal/run_spec.sh boots
 * it once per .wast file. kiln_spec.c is compiled with main renamed.
 */
#include "board.h"

int kiln_spec_main(int argc, char **argv);

int main(int argc, char **argv)
{
    board_init();
    return kiln_spec_main(argc, argv);
}
