// Generates compiler/emit/cpu_llvm19.c: for each architecture kiln targets,
// every feature LLVM knows (name, description, the transitive closure of
// the features it implies) and every CPU with the complete set of features
// LLVM enables for it on that architecture's triple.
//
// Built and run by scripts/gen_cpu_tables.sh. It reads LLVM's own subtarget
// tables (MCSubtargetInfo: the data `llc -mattr=help` prints and the code
// generator uses), so the compiler knows a named CPU's features exactly as
// LLVM will apply them; the LLVM-C API has no way to ask for them.
//
// The CPU sets come from MCSubtargetInfo::getFeatureBits() of a subtarget
// created with that CPU and no feature string, so they include what the
// triple adds (x86-64: +64bit-mode,+sse2; armv7: +v7 ...).
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Config/llvm-config.h"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

using namespace llvm;

namespace {

struct Arch {
    const char *enumerator; // kiln_cpu_arch value
    const char *triple;
};

const Arch arches[] = {
    {"KILN_ARCH_X86_64", "x86_64-unknown-linux-gnu"},
    {"KILN_ARCH_AARCH64", "aarch64-unknown-linux-gnu"},
    {"KILN_ARCH_RISCV64", "riscv64-unknown-linux-gnu"},
    {"KILN_ARCH_ARM", "armv7-unknown-linux-gnueabihf"},
};

std::string c_string(const char *s)
{
    std::string out = "\"";
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            out += '\\';
        out += *s;
    }
    return out + "\"";
}

// Names of the features set in bits, comma-separated, in table order.
std::string names(ArrayRef<SubtargetFeatureKV> features, const FeatureBitset &bits)
{
    std::string out;
    for (const SubtargetFeatureKV &f : features) {
        if (!bits.test(f.Value))
            continue;
        if (!out.empty())
            out += ',';
        out += f.Key;
    }
    return out;
}

// Transitive closure of what feature f implies (f itself excluded).
FeatureBitset implied(ArrayRef<SubtargetFeatureKV> features, const SubtargetFeatureKV &f)
{
    FeatureBitset bits = f.Implies.getAsBitset();
    for (bool grew = true; grew;) {
        grew = false;
        for (const SubtargetFeatureKV &g : features) {
            if (!bits.test(g.Value))
                continue;
            FeatureBitset more = bits | g.Implies.getAsBitset();
            if (more != bits) {
                bits = more;
                grew = true;
            }
        }
    }
    bits.reset(f.Value);
    return bits;
}

void emit_arch(const Arch &arch, const char *prefix)
{
    std::string error;
    const Target *target = TargetRegistry::lookupTarget(arch.triple, error);
    if (target == nullptr) {
        fprintf(stderr, "gen_cpu_tables: %s: %s\n", arch.triple, error.c_str());
        exit(1);
    }
    std::unique_ptr<MCSubtargetInfo> base(target->createMCSubtargetInfo(arch.triple, "", ""));
    ArrayRef<SubtargetFeatureKV> features = base->getAllProcessorFeatures();
    ArrayRef<SubtargetSubTypeKV> cpus = base->getAllProcessorDescriptions();

    printf("static const emit_llvm_feature %s_features[] = {\n", prefix);
    for (const SubtargetFeatureKV &f : features)
        printf("    {%s, %s,\n     %s},\n", c_string(f.Key).c_str(), c_string(f.Desc).c_str(),
               c_string(names(features, implied(features, f)).c_str()).c_str());
    printf("};\n\n");

    printf("static const emit_llvm_cpu %s_cpus[] = {\n", prefix);
    for (const SubtargetSubTypeKV &cpu : cpus) {
        std::unique_ptr<MCSubtargetInfo> sti(
            target->createMCSubtargetInfo(arch.triple, cpu.Key, ""));
        printf("    {%s,\n     %s},\n", c_string(cpu.Key).c_str(),
               c_string(names(features, sti->getFeatureBits()).c_str()).c_str());
    }
    printf("};\n\n");
}

// 32-bit Arm: for the CPU "generic" (and only for it) LLVM takes the
// architecture version from the triple (ARM_MC::ParseARMTriple), so the
// generic set depends on the triple's first component: one set for each
// sub-architecture kiln accepts.
const char *const arm_subarches[] = {
    "armv4t",  "armv5te",  "armv6",     "armv6k",   "armv6kz",   "armv6t2",  "armv7",
    "armv7a",  "armv7ve",  "armv7l",    "armv7hl",  "armv7r",    "armv7m",   "armv7em",
    "armv8a",  "armv8l",   "armv8r",    "armv8.1a", "armv8.2a",  "thumbv6m", "thumbv7",
    "thumbv7a", "thumbv7r", "thumbv7m", "thumbv7em", "thumbv8a", "thumbv8m.base",
    "thumbv8m.main", "thumbv8.1m.main",
};

void emit_arm_generic(void)
{
    std::string error;
    printf("const emit_llvm_cpu emit_llvm_arm_generic[] = {\n");
    for (const char *subarch : arm_subarches) {
        std::string triple = std::string(subarch) + "-unknown-none-eabihf";
        const Target *target = TargetRegistry::lookupTarget(triple, error);
        if (target == nullptr) {
            fprintf(stderr, "gen_cpu_tables: %s: %s\n", triple.c_str(), error.c_str());
            exit(1);
        }
        std::unique_ptr<MCSubtargetInfo> sti(target->createMCSubtargetInfo(triple, "generic", ""));
        printf("    {%s,\n     %s},\n", c_string(subarch).c_str(),
               c_string(names(sti->getAllProcessorFeatures(), sti->getFeatureBits()).c_str())
                   .c_str());
    }
    printf("};\n\n");
    printf("const size_t emit_llvm_arm_generic_count =\n"
           "    sizeof emit_llvm_arm_generic / sizeof emit_llvm_arm_generic[0];\n\n");
}

} // namespace

int main()
{
    InitializeAllTargetInfos();
    InitializeAllTargetMCs();

    printf("/*\n"
           " * GENERATED by scripts/gen_cpu_tables.sh from LLVM %s's subtarget tables:\n"
           " * do not edit. Every feature LLVM knows per architecture (with the\n"
           " * transitive closure of what it implies) and every CPU with the complete\n"
           " * feature set LLVM enables for it on the triple named below.\n"
           " */\n"
           "#include \"cpu.h\"\n\n",
           LLVM_VERSION_STRING);
    static const char *const prefixes[] = {"x86_64", "aarch64", "riscv64", "arm"};
    for (size_t i = 0; i < sizeof arches / sizeof arches[0]; i++)
        emit_arch(arches[i], prefixes[i]);

    emit_arm_generic();

    printf("const emit_llvm_arch emit_llvm_arches[KILN_ARCH_COUNT] = {\n");
    for (size_t i = 0; i < sizeof arches / sizeof arches[0]; i++)
        printf("    [%s] = {%s, %s_features, sizeof %s_features / sizeof %s_features[0],\n"
               "        %s_cpus, sizeof %s_cpus / sizeof %s_cpus[0]},\n",
               arches[i].enumerator, c_string(arches[i].triple).c_str(), prefixes[i],
               prefixes[i], prefixes[i], prefixes[i], prefixes[i], prefixes[i]);
    printf("};\n");
    return 0;
}
