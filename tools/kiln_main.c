/* placeholder until the kiln CLI lands */
int main(void) { return 1; }
