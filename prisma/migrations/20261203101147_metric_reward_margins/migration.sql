-- AlterTable
ALTER TABLE "metric_points" ADD COLUMN     "reward_margin" DOUBLE PRECISION,
ADD COLUMN     "valid_reward_margin" DOUBLE PRECISION;

