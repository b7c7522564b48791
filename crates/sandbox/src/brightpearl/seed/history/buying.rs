//! The history's buying: Monday's reorders, transfers and cycle counts, purchase orders
//! arriving, and the sale and price rise that reprice part of the range.

use super::{History, Step, minutes};
use crate::brightpearl::account::Account;
use crate::brightpearl::account::catalogue::ProductStatus;
use crate::brightpearl::account::stock::{
    self, Correction, MAIN_WAREHOUSE, UK_WAREHOUSE, WEST_WAREHOUSE,
};
use crate::brightpearl::seed::business;
use crate::brightpearl::seed::{Context as _, DAY_MS};
use rand::Rng;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use std::collections::BTreeMap;

/// A product the buyer checks: its id, supplier, and reorder (level, quantity) per warehouse.
type Reorderable = (u64, Option<u64>, BTreeMap<u64, (i64, i64)>);

fn whole(quantity: Decimal) -> i64 {
    quantity.trunc().to_i64().unwrap_or(0)
}

impl History {
    /// A purchase order arrives: its stock goes in, and the supplier is paid within the month.
    pub(super) fn receive<R: Rng + ?Sized>(
        &mut self,
        account: &mut Account,
        rng: &mut R,
        now: i64,
        order: u64,
    ) -> anyhow::Result<()> {
        business::receive_purchase(account, order)
            .at(|| format!("receiving purchase order {order}"))?;
        let Some(po) = account.orders.get(order) else {
            return Ok(());
        };
        let warehouse = po.warehouse_id;
        let lines: Vec<(u64, i64)> = po
            .order_rows
            .values()
            .map(|r| (r.product_id, whole(r.quantity.magnitude.0)))
            .collect();
        for (product, units) in lines {
            if let Some(left) = self.on_order.get_mut(&(product, warehouse)) {
                *left = (*left - units).max(0);
            }
        }
        if rng.random_range(0..4) != 0 {
            self.timeline.at(
                now + minutes(rng, 10 * 24 * 60, 30 * 24 * 60),
                Step::PaySupplier { order },
            );
        }
        Ok(())
    }

    /// A sale starts (30 lines at 20% off) or ends (their prices restored).
    pub(super) fn sale<R: Rng + ?Sized>(
        &mut self,
        account: &mut Account,
        rng: &mut R,
        start: bool,
    ) -> anyhow::Result<()> {
        if start {
            let tracked: Vec<u64> = self
                .sellable
                .get(&2)
                .into_iter()
                .flatten()
                .map(|(id, _)| *id)
                .filter(|id| {
                    account
                        .catalogue
                        .product(*id)
                        .is_some_and(|p| p.stock_tracked())
                })
                .collect();
            for _ in 0..30 {
                if let Some(id) = tracked
                    .get(rng.random_range(0..tracked.len().max(1)))
                    .copied()
                    && !self.on_sale.contains(&id)
                {
                    business::reprice(account, id, Decimal::new(80, 2))
                        .at(|| format!("sale price of product {id}"))?;
                    self.on_sale.push(id);
                }
            }
        } else {
            for id in std::mem::take(&mut self.on_sale) {
                business::reprice(account, id, Decimal::new(125, 2))
                    .at(|| format!("end of sale for product {id}"))?;
            }
        }
        Ok(())
    }

    /// A supplier price rise passed on to 15 lines.
    pub(super) fn price_rise<R: Rng + ?Sized>(
        &mut self,
        account: &mut Account,
        rng: &mut R,
    ) -> anyhow::Result<()> {
        let products: Vec<u64> = self
            .sellable
            .get(&2)
            .into_iter()
            .flatten()
            .map(|(id, _)| *id)
            .collect();
        for _ in 0..15 {
            if let Some(id) = products
                .get(rng.random_range(0..products.len().max(1)))
                .copied()
            {
                business::reprice(account, id, Decimal::new(106, 2))
                    .at(|| format!("price rise of product {id}"))?;
            }
        }
        Ok(())
    }

    /// Monday: reorder what is at or below its reorder level (from the main warehouse when it
    /// has plenty, else from the supplier), and correct a few counts.
    pub(super) fn purchasing<R: Rng + ?Sized>(
        &mut self,
        account: &mut Account,
        rng: &mut R,
        now: i64,
    ) -> anyhow::Result<()> {
        let mut lines: BTreeMap<(u64, u64), Vec<(u64, i64)>> = BTreeMap::new();
        let products: Vec<Reorderable> = account
            .catalogue
            .products
            .values()
            .filter(|p| p.stock_tracked() && p.status == ProductStatus::Live)
            .map(|p| {
                let levels = p
                    .warehouses
                    .iter()
                    .map(|(w, s)| (*w, (s.reorder_level, s.reorder_quantity)))
                    .collect();
                (p.id, p.primary_supplier_id, levels)
            })
            .collect();
        for (product, supplier, levels) in products {
            for warehouse in [MAIN_WAREHOUSE, WEST_WAREHOUSE, UK_WAREHOUSE] {
                let Some(&(level, quantity)) =
                    levels.get(&warehouse).filter(|(l, q)| *l > 0 && *q > 0)
                else {
                    continue;
                };
                let on_hand = account.stock.available(product, warehouse);
                let coming = self
                    .on_order
                    .get(&(product, warehouse))
                    .copied()
                    .unwrap_or(0);
                if on_hand + coming > level {
                    continue;
                }
                let main_spare = account.stock.available(product, MAIN_WAREHOUSE)
                    - levels.get(&MAIN_WAREHOUSE).map_or(0, |l| l.0);
                if warehouse == WEST_WAREHOUSE && main_spare >= quantity {
                    business::transfer(account, product, MAIN_WAREHOUSE, warehouse, quantity)
                        .at(|| format!("moving product {product} to the West Coast"))?;
                    continue;
                }
                if let Some(supplier) = supplier {
                    lines
                        .entry((supplier, warehouse))
                        .or_default()
                        .push((product, quantity));
                }
            }
        }
        for ((supplier, warehouse), lines) in lines {
            let order = business::purchase(account, rng, supplier, warehouse, &lines)
                .at(|| format!("purchase order to supplier {supplier}"))?;
            for (product, units) in &lines {
                *self.on_order.entry((*product, warehouse)).or_default() += units;
            }
            let lead = if warehouse == UK_WAREHOUSE {
                (8, 16)
            } else {
                (5, 12)
            };
            self.timeline.at(
                now + minutes(rng, lead.0 * 1440, lead.1 * 1440),
                Step::Receive { order },
            );
        }
        // Cycle counts find a few units more or fewer than the system thought.
        let counted: Vec<u64> = account.stock.levels.keys().copied().collect();
        for _ in 0..3 {
            let Some(product) = counted
                .get(rng.random_range(0..counted.len().max(1)))
                .copied()
            else {
                break;
            };
            let on_hand = account.stock.available(product, MAIN_WAREHOUSE);
            let delta = if on_hand > 2 && rng.random_range(0..3) != 0 {
                -1
            } else {
                rng.random_range(1..=2)
            };
            let reason = if delta < 0 {
                "Cycle count: damaged in store"
            } else {
                "Cycle count: found in store"
            };
            stock::correct(
                account,
                MAIN_WAREHOUSE,
                &[Correction {
                    product_id: product,
                    quantity: delta,
                    reason: reason.into(),
                    location_id: None,
                    cost: None,
                }],
            )
            .at(|| format!("cycle count of product {product}"))?;
        }
        if now + 7 * DAY_MS < self.end {
            self.timeline.at(now + 7 * DAY_MS, Step::Purchasing);
        }
        Ok(())
    }
}
