import assert from "node:assert/strict";
import { join } from "node:path";
import {
  recoverDir,
  replaceDirAtomic,
  withAtomicFile,
  writeJsonAtomic,
  writeTextFileAtomic,
} from "../../lib/util/atomic.ts";

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "atomic_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const names = (dir: string) => [...Deno.readDirSync(dir)].map((e) => e.name).sort();

Deno.test("writeTextFileAtomic() replaces a file and leaves no temp file behind", async () => {
  await withTempDir(async (dir) => {
    const p = join(dir, "a.txt");
    await writeTextFileAtomic(p, "one");
    await writeTextFileAtomic(p, "two");
    assert.equal(await Deno.readTextFile(p), "two");
    await writeJsonAtomic(join(dir, "b.json"), { x: [1] });
    assert.equal(await Deno.readTextFile(join(dir, "b.json")), '{\n  "x": [\n    1\n  ]\n}\n');
    assert.deepEqual(names(dir), ["a.txt", "b.json"]);
  });
});

Deno.test("withAtomicFile() keeps the old content when the writer fails", async () => {
  await withTempDir(async (dir) => {
    const p = join(dir, "a.txt");
    await writeTextFileAtomic(p, "old");
    await assert.rejects(() =>
      withAtomicFile(p, async (tmp) => {
        await Deno.writeTextFile(tmp, "half");
        throw new Error("disk full");
      }), /disk full/);
    assert.equal(await Deno.readTextFile(p), "old");
    assert.deepEqual(names(dir), ["a.txt"]);
  });
});

Deno.test("replaceDirAtomic() swaps a whole directory, and a failed build changes nothing", async () => {
  await withTempDir(async (dir) => {
    const target = join(dir, "ckpt");
    await replaceDirAtomic(target, async (tmp) => {
      assert.ok(tmp.startsWith(`${target}.tmp-`));
      await Deno.writeTextFile(join(tmp, "a"), "1");
      await Deno.writeTextFile(join(tmp, "b"), "1");
    });
    await assert.rejects(() =>
      replaceDirAtomic(target, async (tmp) => {
        await Deno.writeTextFile(join(tmp, "a"), "2");
        throw new Error("interrupted");
      }), /interrupted/);
    assert.deepEqual(names(target), ["a", "b"]);
    assert.equal(await Deno.readTextFile(join(target, "a")), "1");
    await replaceDirAtomic(target, (tmp) => Deno.writeTextFile(join(tmp, "c"), "3"));
    assert.deepEqual(names(target), ["c"]);
    assert.deepEqual(names(dir), ["ckpt"]);
  });
});

Deno.test("recoverDir() restores the old copy after a crash between the two renames", async () => {
  await withTempDir(async (dir) => {
    const target = join(dir, "ckpt");
    await Deno.mkdir(`${target}.old-1-a`);
    await Deno.writeTextFile(join(`${target}.old-1-a`, "x"), "kept");
    await Deno.mkdir(`${target}.tmp-1-a`);
    assert.equal(await recoverDir(target), true);
    assert.equal(await Deno.readTextFile(join(target, "x")), "kept");
    assert.deepEqual(names(dir), ["ckpt", "ckpt.tmp-1-a"]);
    assert.equal(await recoverDir(target, { removeTemp: true }), false);
    assert.deepEqual(names(dir), ["ckpt"]);
  });
});
