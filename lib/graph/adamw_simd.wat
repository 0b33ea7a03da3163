;; The host AdamW step on float32 arrays, four lanes at a time (WebAssembly SIMD), for
;; `adamw_simd.ts`. Every operation is one float32 operation, in the order of the AdamW kernel's
;; graph (`adamw.ts`), so each element gets exactly the value that the graph computes from the
;; same scalars:
;;
;;   g  = grad * s                      (s: the clipping scale)
;;   m' = m * b1 + g * c1               (c1 = 1 - b1)
;;   v' = v * b2 + (g * g) * c2         (c2 = 1 - b2)
;;   u  = ss * (m' / (sqrt(v') / sb2 + eps))     (ss = lr / (1 - b1^t), sb2 = sqrt(1 - b2^t))
;;   p' = p * dec - u                   (dec = 1 - lr * wd)
;;
;; Pointers are byte offsets into the module's memory, 16-byte aligned; `n` counts elements and is
;; rounded up to a multiple of 4 (the caller leaves room and ignores the extra lanes).
;; Compiled to `adamw_simd_wasm.ts` by `deno task build-wasm`.
(module
  (memory (export "memory") 1)

  ;; m, v <- m', v' and grad <- p' (both passes).
  (func (export "fused")
    (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $n i32)
    (param $s f32) (param $b1 f32) (param $c1 f32) (param $b2 f32) (param $c2 f32)
    (param $ss f32) (param $sb2 f32) (param $eps f32) (param $dec f32)
    (local $i i32) (local $end i32) (local $gr v128) (local $mm v128) (local $vv v128)
    (local $S v128) (local $B1 v128) (local $C1 v128) (local $B2 v128) (local $C2 v128)
    (local $SS v128) (local $SB2 v128) (local $EPS v128) (local $DEC v128)
    (local.set $S (f32x4.splat (local.get $s)))
    (local.set $B1 (f32x4.splat (local.get $b1)))
    (local.set $C1 (f32x4.splat (local.get $c1)))
    (local.set $B2 (f32x4.splat (local.get $b2)))
    (local.set $C2 (f32x4.splat (local.get $c2)))
    (local.set $SS (f32x4.splat (local.get $ss)))
    (local.set $SB2 (f32x4.splat (local.get $sb2)))
    (local.set $EPS (f32x4.splat (local.get $eps)))
    (local.set $DEC (f32x4.splat (local.get $dec)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $gr
          (f32x4.mul (v128.load (i32.add (local.get $g) (local.get $i))) (local.get $S)))
        (local.set $mm (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $i))) (local.get $B1))
          (f32x4.mul (local.get $gr) (local.get $C1))))
        (local.set $vv (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $i))) (local.get $B2))
          (f32x4.mul (f32x4.mul (local.get $gr) (local.get $gr)) (local.get $C2))))
        (v128.store (i32.add (local.get $m) (local.get $i)) (local.get $mm))
        (v128.store (i32.add (local.get $v) (local.get $i)) (local.get $vv))
        (v128.store (i32.add (local.get $g) (local.get $i))
          (f32x4.sub
            (f32x4.mul (v128.load (i32.add (local.get $p) (local.get $i))) (local.get $DEC))
            (f32x4.mul (local.get $SS)
              (f32x4.div (local.get $mm)
                (f32x4.add (f32x4.div (f32x4.sqrt (local.get $vv)) (local.get $SB2))
                  (local.get $EPS))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next))))

  ;; m, v <- m', v' and grad <- u (pass 1: no parameter needed).
  (func (export "moments")
    (param $g i32) (param $m i32) (param $v i32) (param $n i32)
    (param $s f32) (param $b1 f32) (param $c1 f32) (param $b2 f32) (param $c2 f32)
    (param $ss f32) (param $sb2 f32) (param $eps f32)
    (local $i i32) (local $end i32) (local $gr v128) (local $mm v128) (local $vv v128)
    (local $S v128) (local $B1 v128) (local $C1 v128) (local $B2 v128) (local $C2 v128)
    (local $SS v128) (local $SB2 v128) (local $EPS v128)
    (local.set $S (f32x4.splat (local.get $s)))
    (local.set $B1 (f32x4.splat (local.get $b1)))
    (local.set $C1 (f32x4.splat (local.get $c1)))
    (local.set $B2 (f32x4.splat (local.get $b2)))
    (local.set $C2 (f32x4.splat (local.get $c2)))
    (local.set $SS (f32x4.splat (local.get $ss)))
    (local.set $SB2 (f32x4.splat (local.get $sb2)))
    (local.set $EPS (f32x4.splat (local.get $eps)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $gr
          (f32x4.mul (v128.load (i32.add (local.get $g) (local.get $i))) (local.get $S)))
        (local.set $mm (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $i))) (local.get $B1))
          (f32x4.mul (local.get $gr) (local.get $C1))))
        (local.set $vv (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $i))) (local.get $B2))
          (f32x4.mul (f32x4.mul (local.get $gr) (local.get $gr)) (local.get $C2))))
        (v128.store (i32.add (local.get $m) (local.get $i)) (local.get $mm))
        (v128.store (i32.add (local.get $v) (local.get $i)) (local.get $vv))
        (v128.store (i32.add (local.get $g) (local.get $i))
          (f32x4.mul (local.get $SS)
            (f32x4.div (local.get $mm)
              (f32x4.add (f32x4.div (f32x4.sqrt (local.get $vv)) (local.get $SB2))
                (local.get $EPS)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next))))

  ;; u <- p * dec - u (pass 2).
  (func (export "apply") (param $p i32) (param $u i32) (param $n i32) (param $dec f32)
    (local $i i32) (local $end i32) (local $DEC v128)
    (local.set $DEC (f32x4.splat (local.get $dec)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (v128.store (i32.add (local.get $u) (local.get $i))
          (f32x4.sub
            (f32x4.mul (v128.load (i32.add (local.get $p) (local.get $i))) (local.get $DEC))
            (v128.load (i32.add (local.get $u) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next))))
)
