// A hand-made bus peer (Cap'n Proto straight from bus.capnp) that a node must
// survive: one from a newer protocol version, one whose framing is fine but
// whose message is not. Either way the link is dropped with a log line and
// the node keeps serving.
#include <capnp/rpc-twoparty.h>
#include <gtest/gtest.h>
#include <kj/async-io.h>

#include <string>

#include "cluster/rpc/bus.capnp.h"
#include "tests/integration/cluster_harness.h"
#include "tests/integration/server_process.h"

namespace cairn::testing {
namespace {

TEST(ClusterBusPeer, NewerProtocolVersionIsRefusedAndTheLinkDropped) {
  ClusterHarness c(1);
  ASSERT_TRUE(c.StartAll()) << c.Logs();
  auto io = kj::setupAsyncIo();
  auto addr = io.provider->getNetwork()
                  .parseAddress("127.0.0.1", static_cast<unsigned>(c.bus_port(0)))
                  .wait(io.waitScope);
  auto stream = addr->connect().wait(io.waitScope);
  capnp::TwoPartyClient client(*stream);
  auto bus = client.bootstrap().castAs<cluster::rpc::ClusterBus>();
  auto req = bus.pingRequest();
  auto msg = req.initMsg();
  msg.setVersion(99);
  msg.initSender().setId(std::string(40, 'a'));
  msg.setMeet(true);
  bool refused = false;
  try {
    req.send().wait(io.waitScope);
  } catch (const kj::Exception& e) {
    refused = true;
  }
  EXPECT_TRUE(refused);
  // The node closed the link after refusing.
  bool disconnected =
      client.onDisconnect()
          .then([] { return true; })
          .exclusiveJoin(
              io.provider->getTimer().afterDelay(10 * kj::SECONDS).then([] { return false; }))
          .wait(io.waitScope);
  EXPECT_TRUE(disconnected);
  EXPECT_NE(c.node(0).ReadLog().find("speaks bus protocol version 99"), std::string::npos)
      << c.Logs();
  // The would-be peer was not added, and the node still serves.
  EXPECT_EQ(c.Info(0, "cluster_known_nodes"), "1");
  Connection conn = c.node(0).Connect();
  Reply pong = Cmd(conn.get(), "PING");
  ASSERT_NE(pong, nullptr);
  EXPECT_EQ(std::string(pong->str), "PONG");
}

TEST(ClusterBusPeer, BadMessageBehindValidFramingDropsOnlyThatLink) {
  ClusterHarness c(2);
  ASSERT_TRUE(c.Create()) << c.Logs();
  auto io = kj::setupAsyncIo();
  auto addr = io.provider->getNetwork()
                  .parseAddress("127.0.0.1", static_cast<unsigned>(c.bus_port(0)))
                  .wait(io.waitScope);
  auto stream = addr->connect().wait(io.waitScope);
  // One segment of 4 words, whose root pointer points far outside it.
  const unsigned char kBad[] = {0, 0, 0, 0, 4, 0, 0, 0, 0xfc, 0xff, 0xff, 0x7f, 1, 0,
                                1, 0, 1, 2, 3, 4, 5, 6, 7,    8,    1,    2,    3, 4,
                                5, 6, 7, 8, 1, 2, 3, 4, 5,    6,    7,    8};
  stream->write(kBad, sizeof(kBad)).wait(io.waitScope);
  // The node may answer with an RPC Abort message, then ends the connection:
  // reading reaches EOF (or the reset throws) before the deadline.
  auto drained = kj::evalLater([&]() -> kj::Promise<bool> {
    struct Reader {
      kj::AsyncIoStream& s;
      char buf[256];
      kj::Promise<bool> Next() {
        return s.tryRead(buf, 1, sizeof(buf)).then([this](size_t n) -> kj::Promise<bool> {
          if (n == 0) return true;
          return Next();
        });
      }
    };
    auto r = kj::heap<Reader>(Reader{*stream, {}});
    auto p = r->Next();
    return p.attach(kj::mv(r));
  });
  bool closed = false;
  try {
    closed = drained
                 .exclusiveJoin(io.provider->getTimer().afterDelay(10 * kj::SECONDS).then([] {
                   return false;
                 }))
                 .wait(io.waitScope);
  } catch (const kj::Exception&) {
    closed = true;  // reset by peer
  }
  EXPECT_TRUE(closed);
  Connection conn = c.node(0).Connect();
  Reply pong = Cmd(conn.get(), "PING");
  ASSERT_NE(pong, nullptr);
  EXPECT_EQ(std::string(pong->str), "PONG");
  EXPECT_EQ(c.Info(0, "cluster_state"), "ok");
  EXPECT_EQ(c.Info(1, "cluster_state"), "ok");
  EXPECT_NE(c.node(0).ReadLog().find("no valid bus message"), std::string::npos) << c.Logs();
}

// Atomic slot migration calls from a peer that has no business making them
// (an unknown source, a malformed request, an import that was never
// opened): each is refused with its reason, nothing is written, no job is
// made, and the link stays up.
TEST(ClusterBusPeer, ImportCallsFromAStrangerAreRefusedAndWriteNothing) {
  ClusterHarness c(1);
  ASSERT_TRUE(c.Create()) << c.Logs();
  auto io = kj::setupAsyncIo();
  auto addr = io.provider->getNetwork()
                  .parseAddress("127.0.0.1", static_cast<unsigned>(c.bus_port(0)))
                  .wait(io.waitScope);
  auto stream = addr->connect().wait(io.waitScope);
  capnp::TwoPartyClient client(*stream);
  auto bus = client.bootstrap().castAs<cluster::rpc::ClusterBus>();
  auto refusal = [&](auto&& req) -> std::string {
    try {
      req.send().wait(io.waitScope);
    } catch (const kj::Exception& e) {
      return e.getDescription().cStr();
    }
    return "";
  };
  const std::string name(40, 'c');
  const kj::byte range[4] = {0, 0, 0, 10};  // slots 0-10, big-endian
  {
    auto req = bus.importBeginRequest();
    req.setName(name);
    req.setSource(std::string(40, 'b'));
    req.setRanges(kj::arrayPtr(range, 4));
    EXPECT_NE(refusal(req).find("the source is not a known primary"), std::string::npos);
  }
  {
    auto req = bus.importBeginRequest();
    req.setName(name);
    req.setSource(c.Id(0));
    req.setRanges(kj::arrayPtr(range, 3));
    EXPECT_NE(refusal(req).find("malformed slot ranges"), std::string::npos);
  }
  {
    auto req = bus.importChunkRequest();
    req.setName(name);
    req.setChanges(false);
    const kj::byte junk[5] = {'M', 0xff, 0xff, 0xff, 0xff};
    req.setChunk(kj::arrayPtr(junk, 5));
    EXPECT_NE(refusal(req).find("no import named"), std::string::npos);
  }
  {
    auto req = bus.importFinishRequest();
    req.setName(name);
    EXPECT_NE(refusal(req).find("no import named"), std::string::npos);
  }
  // The link is still up: a cancel of nothing answers "not owned".
  auto cancel = bus.importCancelRequest();
  cancel.setName(name);
  auto reply = cancel.send().wait(io.waitScope);
  EXPECT_FALSE(reply.getOwned());

  Connection conn = c.node(0).Connect();
  EXPECT_EQ(ReplyText(Command(conn.get(), {"DBSIZE"})), "0");
  EXPECT_EQ(ReplyText(Command(conn.get(), {"CLUSTER", "GETSLOTMIGRATIONS"})), "<array 0>");
  EXPECT_EQ(c.Info(0, "cluster_state"), "ok");
}

}  // namespace
}  // namespace cairn::testing
