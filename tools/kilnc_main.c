/* placeholder until the kilnc CLI lands */
int main(void) { return 1; }
