import Testing
@testable import EdgeWorker

@Suite("BackgroundWork and ExecutionContext.waitUntil")
struct BackgroundWorkTests {
    @Test func drainWithNothingRunningReturnsTrueAtOnce() async {
        let work = BackgroundWork()
        #expect(work.running == 0)
        var result = false
        let seconds = await elapsed { result = await work.drain(timeout: 5) }
        #expect(result)
        #expect(seconds < 1)
    }

    @Test func drainWaitsForWaitUntilWork() async {
        let work = BackgroundWork()
        let ctx = ExecutionContext(tracker: work)
        let gate = Gate()
        let done = Flag()
        ctx.waitUntil {
            await gate.wait()
            done.set()
        }
        #expect(work.running == 1)
        let drain = Task { await work.drain(timeout: 10) }
        // The work ends only when the gate opens, and the gate opens only once the drain waits.
        #expect(await eventually { work.waitingDrains == 1 }, "the drain never waited for the work")
        gate.open()
        #expect(await drain.value)
        #expect(done.isSet)
        #expect(work.running == 0)
    }

    @Test func drainWaitsForEveryPieceOfWork() async {
        let work = BackgroundWork()
        let ctx = ExecutionContext(tracker: work)
        let gates = (0..<3).map { _ in Gate() }
        let flags = (0..<3).map { _ in Flag() }
        for i in 0..<3 {
            let gate = gates[i], flag = flags[i]
            ctx.waitUntil {
                await gate.wait()
                flag.set()
            }
        }
        #expect(work.running == 3)
        let drain = Task { await work.drain(timeout: 10) }
        #expect(await eventually { work.waitingDrains == 1 }, "the drain never waited for the work")
        // One piece at a time: while any is left the drain is still waiting (the count and the
        // waiters change under one lock, so a drain released early is already gone here).
        for (index, gate) in gates.enumerated() {
            gate.open()
            let left = gates.count - 1 - index
            #expect(await eventually { work.running == left })
            if left > 0 { #expect(work.waitingDrains == 1, "the drain ended with \(left) pieces running") }
        }
        #expect(await drain.value)
        #expect(flags.allSatisfy { $0.isSet })
    }

    @Test func drainTimesOutAndReturnsFalseForWorkThatOutlivesIt() async {
        let work = BackgroundWork()
        let gate = Gate()
        let done = Flag()
        work.start {
            await gate.wait()
            done.set()
        }
        var result = true
        let seconds = await elapsed { result = await work.drain(timeout: 0.1) }
        #expect(result == false)
        #expect(seconds >= 0.09)
        // Far below "forever" (the work never ends by itself); loose, because on a shared 2-core
        // machine under others' builds the resumption alone was seen to take over 2 s.
        #expect(seconds < 5)
        #expect(!done.isSet)
        #expect(work.running == 1)

        // The abandoned work still finishes and a later drain sees it.
        gate.open()
        #expect(await work.drain(timeout: 10))
        #expect(done.isSet)
        #expect(work.running == 0)
    }

    @Test func drainWithZeroTimeoutDoesNotWaitForTheWork() async {
        let work = BackgroundWork()
        let gate = Gate()
        work.start { await gate.wait() }
        // Safety net: if drain waits for the work anyway, this lets it end (and the timing check fails).
        Task {
            try? await Task.sleep(for: .seconds(3))
            gate.open()
        }
        for _ in 0..<20 {
            var result = true
            let seconds = await elapsed { result = await work.drain(timeout: 0) }
            #expect(result == false)
            #expect(seconds < 1)
        }
        gate.open()
        #expect(await work.drain(timeout: 10))
    }

    @Test func concurrentDrainsAllWaitForTheWork() async {
        let work = BackgroundWork()
        let gate = Gate()
        work.start { await gate.wait() }
        let a = Task { await work.drain(timeout: 10) }
        let b = Task { await work.drain(timeout: 10) }
        #expect(await eventually { work.waitingDrains == 2 }, "both drains must be waiting before the work ends")
        gate.open()
        let results = [await a.value, await b.value]
        #expect(results == [true, true])
    }

    @Test func aTimedOutDrainDoesNotReleaseAnotherDrainEarly() async {
        let work = BackgroundWork()
        let gate = Gate()
        let done = Flag()
        work.start {
            await gate.wait()
            done.set()
        }
        // A long drain is waiting when a short one times out; the long one must keep waiting.
        let long = Task { () -> (Bool, Bool) in
            let finished = await work.drain(timeout: 10)
            return (finished, done.isSet)
        }
        #expect(await eventually { work.waitingDrains == 1 }, "the long drain never waited")
        #expect(await work.drain(timeout: 0.05) == false)
        // The short drain's timeout took only itself off the waiters (under the lock, before it
        // returned): the long one is still there, waiting.
        #expect(work.waitingDrains == 1)
        #expect(!done.isSet)
        gate.open()
        let (finished, workDone) = await long.value
        #expect(finished)
        #expect(workDone)  // a drain that says true must not return before the work is done
    }
}

@Suite("BackgroundWork: odd timeouts")
struct BackgroundWorkTimeoutTests {
    @Test func negativeTimeoutIsTreatedAsZero() async {
        let work = BackgroundWork()
        let gate = Gate()
        work.start { await gate.wait() }
        #expect(await work.drain(timeout: -1) == false)
        gate.open()
        #expect(await work.drain(timeout: 10))
    }

    @Test func infiniteTimeoutWaitsForTheWork() async {
        let work = BackgroundWork()
        let gate = Gate()
        let done = Flag()
        work.start {
            await gate.wait()
            done.set()
        }
        let drain = Task { await work.drain(timeout: .infinity) }
        #expect(await eventually { work.waitingDrains == 1 }, "the drain never waited for the work")
        gate.open()
        #expect(await drain.value)
        #expect(done.isSet)
    }
}
