// The fw_cfg reader against a fake device that holds the runner's files, and against a
// device whose directory lies; boot parameters from the kernel command line.
#include <doctest.h>
#include <mosaic/fwcfg.hpp>

#include <map>
#include <string>
#include <vector>

using namespace mosaic;

namespace {
// QEMU's device as the spec describes it: items by key, the directory at 0x19.
struct FakeFwCfg {
    std::map<u16, std::vector<u8>> items;
    std::vector<u8> current;
    usize at = 0;
    u32 selects = 0;

    explicit FakeFwCfg(const std::map<std::string, std::string>& files = {}) {
        items[0] = {'Q', 'E', 'M', 'U'};
        std::vector<u8> dir = {0, 0, 0, u8(files.size())};
        u16 key = 0x20;
        for (auto& [name, text] : files) {
            std::vector<u8> e(64, 0);
            e[0] = u8(text.size() >> 24), e[1] = u8(text.size() >> 16), e[2] = u8(text.size() >> 8), e[3] = u8(text.size());
            e[4] = u8(key >> 8), e[5] = u8(key);
            for (usize i = 0; i < name.size() && i < 55; ++i) e[8 + i] = u8(name[i]);
            dir.insert(dir.end(), e.begin(), e.end());
            items[key++] = std::vector<u8>(text.begin(), text.end());
        }
        items[0x19] = dir;
    }
    FwCfgAccess access() {
        FwCfgAccess a;
        a.ctx = this;
        a.select = [](void* c, u16 k) {
            auto* f = static_cast<FakeFwCfg*>(c);
            ++f->selects;
            f->current = f->items.count(k) ? f->items[k] : std::vector<u8>{};
            f->at = 0;
        };
        a.read8 = [](void* c) -> u8 {
            auto* f = static_cast<FakeFwCfg*>(c);
            return f->at < f->current.size() ? f->current[f->at++] : 0; // past the end: zeros, as QEMU
        };
        return a;
    }
};
} // namespace

TEST_CASE("fw_cfg: the runner's numbers by name") {
    FakeFwCfg dev({{"opt/mosaic/node", "2"}, {"opt/mosaic/idle", "15"}, {"etc/boot-fail-wait", "xx"}});
    auto io = dev.access();
    FwCfg fw(io);
    CHECK(fw.present());
    CHECK(*fw.read_number("opt/mosaic/node") == 2);
    CHECK(*fw.read_number("opt/mosaic/idle") == 15);
    CHECK(fw.read_number("opt/mosaic/job").error() == Error::NotFound);
    CHECK(fw.read_number("etc/boot-fail-wait").error() == Error::Malformed);
    CHECK(*boot_param(&fw, "mosaic.node=1", "node") == 2); // fw_cfg first
    CHECK(*boot_param(&fw, "mosaic.job=3", "job") == 3);   // then the command line
    char small[2];
    CHECK(fw.read_file("opt/mosaic/idle", small, sizeof small).error() == Error::CapacityExceeded);
}

TEST_CASE("fw_cfg: no device, or one that lies about its directory") {
    FwCfgAccess none;
    CHECK_FALSE(FwCfg(none).present());
    CHECK(FwCfg(none).read_number("opt/mosaic/node").error() == Error::NotFound);
    FakeFwCfg silent;
    silent.items[0] = {'B', 'I', 'O', 'S'};
    auto sio = silent.access();
    CHECK_FALSE(FwCfg(sio).present());
    FakeFwCfg liar({{"opt/mosaic/node", "1"}});
    liar.items[0x19][0] = 0x7f; // a directory of two billion files
    auto lio = liar.access();
    CHECK(FwCfg(lio).read_number("opt/mosaic/node").error() == Error::Malformed);
    FakeFwCfg huge({{"opt/mosaic/node", "1"}});
    huge.items[0x19][4 + 0] = 0xff; // the file says 4 GiB
    auto hio = huge.access();
    char buf[32];
    CHECK(FwCfg(hio).read_file("opt/mosaic/node", buf, sizeof buf).error() == Error::CapacityExceeded);
    FakeFwCfg big({{"opt/mosaic/idle", "99999999999"}, {"opt/mosaic/node", ""}});
    auto bio = big.access();
    CHECK(FwCfg(bio).read_number("opt/mosaic/idle").error() == Error::Malformed); // above 10^9
    CHECK(FwCfg(bio).read_number("opt/mosaic/node").error() == Error::Malformed); // empty
}

TEST_CASE("boot parameters from the kernel command line") {
    CHECK(*bootargs_number("console=ttyS0 mosaic.node=2 mosaic.idle=5", "node") == 2);
    CHECK(*bootargs_number("mosaic.node=2 mosaic.idle=5", "idle") == 5);
    CHECK(*bootargs_number("  mosaic.idle=7  ", "idle") == 7);
    CHECK(bootargs_number("mosaic.nodes=3", "node").error() == Error::NotFound);   // another key
    CHECK(bootargs_number("xmosaic.node=3", "node").error() == Error::NotFound);   // not a whole word
    CHECK(bootargs_number("mosaic.node=", "node").error() == Error::Malformed);
    CHECK(bootargs_number("mosaic.node=1x", "node").error() == Error::Malformed);
    CHECK(bootargs_number("mosaic.node=-1", "node").error() == Error::Malformed);
    CHECK(bootargs_number("", "node").error() == Error::NotFound);
    CHECK(bootargs_number(nullptr, "node").error() == Error::NotFound);
    CHECK(boot_param(nullptr, "mosaic.skbbench=1", "skbbench").value() == 1);
}
